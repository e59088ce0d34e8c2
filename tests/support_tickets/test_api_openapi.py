"""The agents' API documents its 4xx in the OpenAPI schema, each with the error body it really
answers (``detail`` in French, ``errors`` by field)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.models import Agent
from support_tickets.schemas import ErrorOut
from tests.support_tickets.conftest import api_login, unique_email

ERROR_REF = "#/components/schemas/ErrorOut"
WRITES = ("replies", "notes", "assign", "status", "priority", "merge")
# The 4xx of each operation, besides the 401 of every one of them.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("post", "/api/agent/login"): {"400", "422", "429"},
    ("post", "/api/agent/logout"): {"403"},
    ("get", "/api/agent/me"): set(),
    ("get", "/api/agent/agents"): set(),
    ("get", "/api/agent/tickets"): {"422"},
    ("get", "/api/agent/tickets/{ticket_id}"): {"404", "422"},
    ("get", "/api/agent/canned-responses"): set(),
    ("get", "/api/agent/tickets/{ticket_id}/canned-responses/{key}"): {"404", "422"},
    ("get", "/api/agent/overview"): {"403"},
    **{
        ("post", f"/api/agent/tickets/{{ticket_id}}/{write}"): {"400", "403", "404", "422"}
        | ({"409"} if write in ("replies", "status") else set())
        for write in WRITES
    },
}


@pytest.fixture
def openapi(client: TestClient) -> dict[str, Any]:
    schema: dict[str, Any] = client.get("/openapi.json").json()
    return schema


def test_api_openapi_lists_every_agent_operation(openapi: dict[str, Any]) -> None:
    documented = {
        (method, path)
        for path, operations in openapi["paths"].items()
        if path.startswith("/api/agent/")
        for method in operations
    }
    assert documented == set(EXPECTED)


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_api_openapi_documents_errors_with_their_body(
    openapi: dict[str, Any], method: str, path: str
) -> None:
    responses = openapi["paths"][path][method]["responses"]
    errors = {code for code in responses if code.startswith("4")}
    assert errors == EXPECTED[(method, path)] | {"401"}
    for code in errors:
        schema = responses[code]["content"]["application/json"]["schema"]
        assert schema == {"$ref": ERROR_REF}, (code, schema)
        assert responses[code]["description"]


def test_api_error_bodies_match_the_documented_body(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = service.create_ticket(
        db, email=unique_email(), category="autre", description="Une question à traiter."
    )
    base = f"/api/agent/tickets/{ticket.id}"
    answers = [client.get(base)]  # 401
    headers = api_login(client, agent)
    answers += [
        client.post(f"{base}/notes", json={"text": "Note."}),  # 403 (no CSRF header)
        client.get("/api/agent/overview"),  # 403 (agents only)
        client.get("/api/agent/tickets/999999999"),  # 404
        client.post(f"{base}/replies", json={"text": "Hop.", "status": "nouveau"}, headers=headers),
        client.post(f"{base}/notes", json={"text": ""}, headers=headers),  # 422 (schema)
        client.post(f"{base}/priority", json={"priority": ticket.priority}, headers=headers),
        client.post(f"{base}/notes", content=b"{", headers=headers),  # 400
    ]
    assert [a.status_code for a in answers] == [401, 403, 403, 404, 409, 422, 422, 400]
    for answer in answers:
        body = answer.json()
        assert set(body) <= set(ErrorOut.model_fields), body
        assert ErrorOut.model_validate(body).detail, body

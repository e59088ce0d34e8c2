"""The OpenAPI schema documents the errors the app really answers: the French 422 and 400 of
its validation handler (not FastAPI's list of English details), the chat's and the portal
feed's refusals, each with the error body (``detail`` + ``errors``)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

ERROR_BODIES = {"#/components/schemas/ErrorResponse", "#/components/schemas/ErrorOut"}


@pytest.fixture
def openapi(client: TestClient) -> dict[str, Any]:
    schema: dict[str, Any] = client.get("/openapi.json").json()
    return schema


def _operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
    ]


def test_openapi_has_no_fastapi_validation_error(openapi: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in str(openapi)
    assert "ValidationError" not in openapi["components"]["schemas"]


def test_openapi_documents_400_and_422_of_every_json_body(openapi: dict[str, Any]) -> None:
    with_body = [op for op in _operations(openapi) if "requestBody" in op[2]]
    assert len(with_body) >= 10
    for method, path, operation in with_body:
        for code in ("400", "422"):
            response = operation["responses"].get(code)
            assert response is not None, (method, path, code)
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert not schema or schema["$ref"] in ERROR_BODIES, (method, path, code)


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [
        ("post", "/api/chat", {"400", "401", "403", "422", "429"}),
        ("post", "/api/chat/feedback", {"400", "403", "404", "422"}),
        ("get", "/api/chat/{session_id}/history", {"403", "404", "422"}),
        ("post", "/api/portal/submissions", {"400", "401", "409", "422"}),
        ("get", "/api/portal/submissions/{reference}", {"401", "404", "422"}),
    ],
)
def test_openapi_routes_document_their_refusals(
    openapi: dict[str, Any], method: str, path: str, codes: set[str]
) -> None:
    responses = openapi["paths"][path][method]["responses"]
    assert codes <= set(responses), sorted(responses)


def test_openapi_error_body_is_detail_and_errors(openapi: dict[str, Any]) -> None:
    body = openapi["components"]["schemas"]["ErrorResponse"]
    assert set(body["properties"]) == {"detail", "errors"} and body["required"] == ["detail"]

"""Bad input to the agents' API and console on PostgreSQL, whose INTEGER stops at 2^31 − 1 and
whose text columns refuse NUL characters: a French 4xx, never the DataError's 500."""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from assistant.config import Settings
from assistant.main import create_app
from storage.db import get_session
from support_tickets import service
from support_tickets.auth import create_agent
from support_tickets.canned import seed_canned_responses
from support_tickets.models import Agent, Ticket
from tests.postgres import throwaway_database
from tests.support_tickets.conftest import AGENT_PASSWORD, unique_email

pytestmark = pytest.mark.postgres

# Beyond PostgreSQL's INTEGER, beyond its BIGINT.
HUGE_IDS = [2**31, 2**40, 2**63]


@pytest.fixture(scope="module")
def pg_sessions() -> Iterator[sessionmaker[Session]]:
    with throwaway_database("tickets_bad_input") as url:
        engine = create_engine(url)
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        with sessions() as session:
            seed_canned_responses(session)
        yield sessions
        engine.dispose()


@pytest.fixture
def pg_db(pg_sessions: sessionmaker[Session]) -> Iterator[Session]:
    with pg_sessions() as session:
        yield session


@pytest.fixture
def pg_client(pg_sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    settings = Settings(rasa_url="http://rasa.test", action_server_url="http://actions.test")
    app = create_app(settings, transport=httpx.MockTransport(lambda _: httpx.Response(503)))

    def session_override() -> Iterator[Session]:
        with pg_sessions() as session:
            yield session

    app.dependency_overrides[get_session] = session_override
    with TestClient(app) as client:
        yield client


@pytest.fixture
def pg_agent(pg_db: Session) -> Agent:
    return create_agent(
        pg_db,
        email=unique_email("agent"),
        name=f"Agent {uuid.uuid4().hex[:4]}",
        role="agent",
        password=AGENT_PASSWORD,
    )


@pytest.fixture
def pg_ticket(pg_db: Session) -> Ticket:
    return service.create_ticket(
        pg_db, email=unique_email(), category="autre", description="Une question sans réponse."
    )


def _login(client: TestClient, agent: Agent) -> dict[str, str]:
    response = client.post(
        "/api/agent/login", json={"email": agent.email, "password": AGENT_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_postgres_ticket_id_beyond_integer_is_french_404(
    pg_client: TestClient, pg_agent: Agent, huge: int
) -> None:
    headers = _login(pg_client, pg_agent)
    for method, path, body in (
        ("GET", f"/api/agent/tickets/{huge}", None),
        ("POST", f"/api/agent/tickets/{huge}/notes", {"text": "Note."}),
        ("GET", f"/api/agent/tickets/{huge}/canned-responses/accuse_reception", None),
    ):
        response = pg_client.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["detail"] == "Ce ticket n'existe pas."
    page = pg_client.get(f"/console/tickets/{huge}")
    assert page.status_code == 404 and "Ce ticket n'existe pas." in html.unescape(page.text)


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_postgres_body_and_filter_ids_beyond_integer_are_4xx(
    pg_client: TestClient, pg_agent: Agent, pg_ticket: Ticket, huge: int
) -> None:
    headers = _login(pg_client, pg_agent)
    base = f"/api/agent/tickets/{pg_ticket.id}"
    for suffix, body in (("assign", {"assignee_id": huge}), ("merge", {"target_id": huge})):
        response = pg_client.post(f"{base}/{suffix}", json=body, headers=headers)
        assert response.status_code == 422, (suffix, response.text)
    queue = pg_client.get("/api/agent/tickets", params={"assignee": str(huge)})
    assert queue.status_code == 200, queue.text


def test_postgres_nul_characters_get_french_4xx(
    pg_client: TestClient, pg_db: Session, pg_agent: Agent, pg_ticket: Ticket
) -> None:
    headers = _login(pg_client, pg_agent)
    base = f"/api/agent/tickets/{pg_ticket.id}"
    note = pg_client.post(f"{base}/notes", json={"text": "avant\x00après"}, headers=headers)
    assert note.status_code == 422
    assert (
        note.json()["detail"]
        == "La note contient un caractère invalide (caractère nul) : retirez-le."
    )
    reply = pg_client.post(f"{base}/replies", json={"text": "a\x00b"}, headers=headers)
    assert reply.status_code == 422 and "caractère nul" in reply.json()["detail"]
    search = pg_client.get("/api/agent/tickets", params={"q": "question\x00"})
    assert search.status_code == 200, search.text
    canned = pg_client.get(f"{base}/canned-responses/accuse%00reception")
    assert canned.status_code == 404
    login = pg_client.post("/api/agent/login", json={"email": "a\x00@b.fr", "password": "x"})
    assert login.status_code == 401
    pg_db.expire_all()
    assert [m.body for m in pg_db.get(Ticket, pg_ticket.id).messages] == []  # type: ignore[union-attr]


def test_postgres_reply_with_nul_in_canned_key_is_stored(
    pg_client: TestClient, pg_agent: Agent, pg_ticket: Ticket
) -> None:
    headers = _login(pg_client, pg_agent)
    response = pg_client.post(
        f"/api/agent/tickets/{pg_ticket.id}/replies",
        json={"text": "Bonjour.", "canned_key": "modele\x00"},
        headers=headers,
    )
    assert response.status_code == 200, response.text

"""Login, portal feed API and status action against a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from actions.status import ActionCheckStatus
from assistant.config import Settings
from assistant.main import create_app
from portal.accounts.seed import seed_demo
from storage.db import get_session
from tests.assistant.conftest import FakeBackends
from tests.assistant.portal_fixtures import (
    NO_SIRET_ACCOUNT,
    PORTAL_API_KEY,
    SIRET_ACCOUNT,
    known_secrets,
)
from tests.postgres import throwaway_database

__all__ = ["known_secrets"]
pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("known_secrets")]


@pytest.fixture(scope="module")
def pg_sessions() -> Iterator[sessionmaker[Session]]:
    """A fresh, migrated and seeded database for this module, dropped afterwards."""
    with throwaway_database() as url:
        engine = create_engine(url)
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        with sessions() as session:
            seed_demo(session)
        yield sessions
        engine.dispose()


@pytest.fixture
def pg_client(pg_sessions: sessionmaker[Session], settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, transport=httpx.MockTransport(FakeBackends().handle))

    def session_override() -> Iterator[Session]:
        with pg_sessions() as session:
            yield session

    app.dependency_overrides[get_session] = session_override
    with TestClient(app) as client:
        yield client


def test_submissions_postgres_login_and_lookup_through_the_action(
    pg_client: TestClient, pg_sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    login = pg_client.post(
        "/api/auth/login",
        json={"email": NO_SIRET_ACCOUNT.email, "password": NO_SIRET_ACCOUNT.password},
    )
    assert login.status_code == 200
    token = login.json()["identity_token"]
    monkeypatch.setattr("actions.status.get_sessionmaker", lambda: pg_sessions)

    async def ask(message: str, identity_token: str) -> str:
        tracker = Tracker.from_dict(
            {
                "sender_id": "pg",
                "slots": {},
                "latest_message": {
                    "text": message,
                    "intent": {"name": "check_status"},
                    "entities": [],
                    "metadata": {"identity_token": identity_token},
                },
                "events": [],
            }
        )
        dispatcher = CollectingDispatcher()
        await ActionCheckStatus().run(dispatcher, tracker, {})
        return "\n".join(m["text"] for m in dispatcher.messages)

    mine = asyncio.run(ask("où en est MJ 2026 000123 ?", token))
    assert "« en cours de traitement » depuis le 2 novembre 2026" in mine
    someone_elses = asyncio.run(ask("où en est TIC-2026-000042 ?", token))
    assert "Je ne trouve aucun formulaire portant la référence TIC-2026-000042" in someone_elses


def test_submissions_postgres_portal_feed(pg_client: TestClient) -> None:
    key = {"X-API-Key": PORTAL_API_KEY}
    reference = f"FA-2026-{uuid.uuid4().int % 10**6:06d}"
    body = {
        "reference": reference,
        "kind": "facture",
        "owner_email": SIRET_ACCOUNT.email,
        "siret": SIRET_ACCOUNT.siret,
        "amount": "99.90",
        "transmitted_at": "2026-11-02T10:00:00+01:00",
    }
    assert pg_client.post("/api/portal/submissions", json=body).status_code == 401
    assert pg_client.post("/api/portal/submissions", json=body, headers=key).status_code == 201
    assert pg_client.post("/api/portal/submissions", json=body, headers=key).status_code == 200
    event = {"status": "recu", "occurred_at": "2026-11-03T09:00:00Z"}
    url = f"/api/portal/submissions/{reference}/events"
    assert pg_client.post(url, json=event, headers=key).status_code == 201
    assert pg_client.post(url, json=event, headers=key).status_code == 200
    refused = pg_client.post(url, json={**event, "status": "paye"}, headers=key)
    assert refused.status_code == 409 and "impossible" in refused.json()["detail"]
    read = pg_client.get(f"/api/portal/submissions/{reference}", headers=key).json()
    assert read["transmitted_at"] == "2026-11-02T09:00:00Z"
    assert [e["status"] for e in read["history"]] == ["transmis", "recu"]

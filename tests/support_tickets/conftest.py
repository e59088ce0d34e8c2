"""Fixtures of the support-desk tests: the migrated test database, agents, and the real app
(Rasa replaced by a scripted transport, which these tests never reach)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from assistant.config import Settings, get_settings
from assistant.main import create_app
from storage.db import get_engine, get_sessionmaker
from storage.migrate import upgrade
from support_tickets.auth import create_agent
from support_tickets.canned import seed_canned_responses
from support_tickets.config import get_support_settings
from support_tickets.models import Agent, GapResolution
from support_tickets.similarity import LexicalSimilarity, get_similarity

AGENT_PASSWORD = "mot-de-passe-agent-01"


@pytest.fixture(scope="session", autouse=True)
def _database() -> None:
    get_settings.cache_clear()
    get_support_settings.cache_clear()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    upgrade()
    with get_sessionmaker()() as session:
        seed_canned_responses(session)


@pytest.fixture(autouse=True)
def _lexical_similarity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests compare descriptions lexically (fast, deterministic); the embedder's use
    is tested on its own."""
    get_similarity.cache_clear()
    monkeypatch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)


@pytest.fixture
def db() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session


@pytest.fixture
def no_gap_marks(db: Session) -> Iterator[None]:
    """« Traitée » marks of the content gaps match groups of any period: none before or
    after the test."""
    db.execute(delete(GapResolution))
    db.commit()
    yield
    db.rollback()
    db.execute(delete(GapResolution))
    db.commit()


def unique_email(prefix: str = "usager") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@exemple.fr"


def make_agent(db: Session, role: str = "agent") -> Agent:
    return create_agent(
        db,
        email=unique_email(role),
        name=f"{role.capitalize()} {uuid.uuid4().hex[:4]}",
        role=role,
        password=AGENT_PASSWORD,
    )


@pytest.fixture
def agent(db: Session) -> Agent:
    return make_agent(db)


@pytest.fixture
def supervisor(db: Session) -> Agent:
    return make_agent(db, "supervisor")


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = Settings(rasa_url="http://rasa.test", action_server_url="http://actions.test")
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    with TestClient(create_app(settings, transport=transport)) as test_client:
        yield test_client


def api_login(client: TestClient, agent: Agent) -> dict[str, str]:
    """Log ``agent`` in through the API; returns the CSRF header for writes."""
    response = client.post(
        "/api/agent/login", json={"email": agent.email, "password": AGENT_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}

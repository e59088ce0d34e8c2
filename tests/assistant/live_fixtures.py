"""Shared helpers of the live-line tests (issue 13): agents, tickets opened from a chat, and
chatting through the real app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from storage.db import get_sessionmaker
from support_tickets import service
from support_tickets.auth import create_agent
from support_tickets.config import get_support_settings
from support_tickets.models import Agent, Ticket
from support_tickets.similarity import LexicalSimilarity
from tests.widget_client import KEYS

REPLY = "Pouvez-vous nous indiquer le numéro SIRET de votre structure ?"


@pytest.fixture
def lexical_similarity(monkeypatch: pytest.MonkeyPatch) -> None:
    get_support_settings.cache_clear()
    monkeypatch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)


@pytest.fixture
def db() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session


@pytest.fixture
def agent(db: Session) -> Agent:
    return create_agent(
        db,
        email=f"agent.{uuid.uuid4().hex[:8]}@exemple.fr",
        name="Agent Direct",
        role="agent",
        password="mot-de-passe-agent-01",
    )


def new_session_id() -> str:
    return f"live-{uuid.uuid4().hex[:12]}"


def open_ticket(db: Session, session_id: str, identity: dict[str, str] | None = None) -> Ticket:
    return service.create_ticket(
        db,
        email=f"usager.{uuid.uuid4().hex[:8]}@exemple.fr",
        category="compte",
        description=f"Je n'arrive plus à me connecter ({uuid.uuid4().hex}).",
        chat_session_id=session_id,
        identity=identity,
    )


def say(
    client: TestClient, session_id: str, text: str = "bonjour", **extra: object
) -> dict[str, Any]:
    """Send a chat message (with the conversation key, as the widget does); its JSON answer."""
    response = client.post("/api/chat", json={"session_id": session_id, "message": text, **extra})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body


def key_of(session_id: str) -> dict[str, str]:
    """The conversation key header of ``session_id``."""
    return {"X-Conversation-Key": KEYS[session_id]}

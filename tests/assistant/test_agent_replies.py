"""Agents' public replies reach the user in the chat: before the next answer of
``POST /api/chat`` and in ``GET /api/chat/{session_id}/history``, each exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from storage.db import get_sessionmaker
from support_tickets import service
from support_tickets.auth import create_agent
from support_tickets.config import get_support_settings
from support_tickets.models import Agent, Ticket
from support_tickets.similarity import LexicalSimilarity
from tests.assistant.conftest import FakeBackends

REPLY = "Bonjour, votre compte est débloqué : vous pouvez vous reconnecter."


@pytest.fixture(autouse=True)
def _lexical_similarity(monkeypatch: pytest.MonkeyPatch) -> None:
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
        name="Agent Test",
        role="agent",
        password="mot-de-passe-agent-01",
    )


def _ticket(db: Session, session_id: str) -> Ticket:
    return service.create_ticket(
        db,
        email=f"usager.{uuid.uuid4().hex[:8]}@exemple.fr",
        category="compte",
        description=f"Mon compte est bloqué depuis ce matin ({uuid.uuid4().hex}).",
        chat_session_id=session_id,
    )


def _session() -> str:
    return f"chat-{uuid.uuid4().hex[:12]}"


def _say(client: TestClient, session_id: str, text: str = "bonjour") -> list[dict]:
    response = client.post("/api/chat", json={"session_id": session_id, "message": text})
    assert response.status_code == 200
    return response.json()["messages"]


def test_chat_agent_reply_prepended_once(
    client: TestClient, backends: FakeBackends, db: Session, agent: Agent
) -> None:
    session_id = _session()
    _say(client, session_id)
    ticket = _ticket(db, session_id)
    service.reply_to_ticket(db, ticket, agent=agent, text=REPLY)
    backends.rasa_reply = [{"text": "Que puis-je faire pour vous ?"}]

    messages = _say(client, session_id, "re-bonjour")
    assert messages[0]["author"] == "agent"
    assert messages[0]["text"].startswith(f"Réponse de nos équipes à votre demande {ticket.number}")
    assert messages[0]["text"].endswith(REPLY)
    assert messages[1] == {"text": "Que puis-je faire pour vous ?", "buttons": [], "links": []}
    assert [m.get("author") for m in _say(client, session_id, "merci")] == [None]


def test_chat_agent_reply_delivered_when_rasa_is_down(
    client: TestClient, backends: FakeBackends, db: Session, agent: Agent
) -> None:
    session_id = _session()
    service.reply_to_ticket(db, _ticket(db, session_id), agent=agent, text=REPLY)
    backends.rasa_status = 500
    messages = _say(client, session_id)
    assert messages[0]["author"] == "agent"
    assert "indisponible" in messages[1]["text"] or "support" in messages[1]["text"]


def test_chat_internal_note_and_other_sessions_not_delivered(
    client: TestClient, db: Session, agent: Agent
) -> None:
    session_id, other = _session(), _session()
    ticket = _ticket(db, session_id)
    service.add_internal_note(db, ticket, agent=agent, text="Vérifier le SIRET avant de répondre.")
    service.reply_to_ticket(db, _ticket(db, other), agent=agent, text=REPLY)
    assert all("author" not in m for m in _say(client, session_id))


def test_history_includes_agent_reply_once_after_latest_turn(
    client: TestClient, db: Session, agent: Agent
) -> None:
    session_id = _session()
    _say(client, session_id)
    ticket = _ticket(db, session_id)
    service.reply_to_ticket(db, ticket, agent=agent, text=REPLY)

    for _ in range(2):  # a reload does not repeat it
        history = client.get(f"/api/chat/{session_id}/history").json()
        messages = [m for turn in history["turns"] for m in turn["messages"]]
        agent_messages = [m for m in messages if m.get("author") == "agent"]
        assert len(agent_messages) == 1
        assert agent_messages[0]["text"].endswith(REPLY)
        assert messages[-1] == agent_messages[0]
    # already shown by the history: the next answer does not repeat it
    assert all("author" not in m for m in _say(client, session_id))

    service.reply_to_ticket(db, ticket, agent=agent, text="Avez-vous pu vous reconnecter ?")
    messages = _say(client, session_id)
    assert messages[0]["author"] == "agent"
    assert messages[0]["text"].endswith("Avez-vous pu vous reconnecter ?")
    history = client.get(f"/api/chat/{session_id}/history").json()
    texts = [m["text"] for turn in history["turns"] for m in turn["messages"]]
    assert sum(t.endswith(REPLY) for t in texts) == 1
    assert sum(t.endswith("Avez-vous pu vous reconnecter ?") for t in texts) == 1

"""Agents' replies delivered into the chat, and the chat transcript of a ticket, on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from assistant.chat import agent_replies
from portal.conversations import repository
from portal.conversations.transcript import transcript_from_turns
from support_tickets import service
from support_tickets.auth import create_agent
from support_tickets.similarity import LexicalSimilarity
from tests.postgres import throwaway_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_session() -> Iterator[Session]:
    """A session on a fresh database for this module, dropped afterwards."""
    with throwaway_database() as url:
        engine = create_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            yield session
        engine.dispose()


def test_agent_replies_postgres_delivered_once(
    pg_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)
    session_id = f"pg-chat-{uuid.uuid4().hex[:8]}"
    repository.record_turn(
        pg_session,
        session_id=session_id,
        user_text="mon compte est bloqué",
        replies=[{"text": "Je ne sais pas répondre à cette question."}],
        outcome="answered",
        latency_ms=3.0,
    )
    turns = repository.list_turns(pg_session, session_id)
    ticket = service.create_ticket(
        pg_session,
        email="usager.pg@exemple.fr",
        category="compte",
        description="Mon compte est bloqué depuis ce matin.",
        chat_session_id=session_id,
        transcript=transcript_from_turns(turns),
    )
    agent = create_agent(
        pg_session, email="agent.pg@exemple.fr", name="Agent PG", role="agent", password="x" * 12
    )
    service.reply_to_ticket(pg_session, ticket, agent=agent, text="Votre compte est débloqué.")

    pending = agent_replies.pending_for_new_turn(pg_session, session_id)
    assert [r["author"] for r in pending] == ["agent"]
    agent_replies.deliver_into_latest_turn(pg_session, session_id, turns)
    pg_session.expire_all()
    stored = repository.list_turns(pg_session, session_id)[-1].replies
    assert stored[-1]["text"].endswith("Votre compte est débloqué.")
    assert agent_replies.pending_for_new_turn(pg_session, session_id) == []
    assert [m.body for m in ticket.messages if m.in_transcript] == [
        "mon compte est bloqué",
        "Je ne sais pas répondre à cette question.",
    ]

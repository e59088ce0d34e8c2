"""The chat's live exchange with a ticket, and the queue's « new message » mark, on
PostgreSQL (the event scan and the grouped queries of ``support_tickets.live_exchange``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.auth import create_agent
from support_tickets.similarity import LexicalSimilarity
from support_tickets.taxonomy import STATUS_IN_PROGRESS, STATUS_WAITING_USER
from tests.postgres import throwaway_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_session() -> Iterator[Session]:
    with throwaway_database() as url:
        engine = create_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            yield session
        engine.dispose()


def test_live_exchange_postgres_routes_marks_and_leaves(
    pg_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)
    chat = f"pg-live-{uuid.uuid4().hex[:8]}"
    ticket = service.create_ticket(
        pg_session,
        email="usager.live@exemple.fr",
        category="compte",
        description="Je n'arrive plus à me connecter au portail.",
        chat_session_id=chat,
    )
    agent = create_agent(
        pg_session, email="agent.live@exemple.fr", name="Agent PG", role="agent", password="x" * 12
    )
    assert service.live_ticket_for_chat(pg_session, chat, None) is None
    service.reply_to_ticket(
        pg_session, ticket, agent=agent, text="Quel est votre SIRET ?", status=STATUS_WAITING_USER
    )
    assert service.live_ticket_for_chat(pg_session, chat, None) is ticket
    assert service.tickets_with_new_user_message(pg_session, [ticket.id]) == set()

    service.add_user_message(pg_session, ticket, "13002526500013")
    assert ticket.status == STATUS_IN_PROGRESS
    assert service.live_ticket_for_chat(pg_session, chat, None) is ticket  # still exchanging
    assert service.tickets_with_new_user_message(pg_session, [ticket.id]) == {ticket.id}

    service.leave_exchange(pg_session, ticket)
    assert service.live_ticket_for_chat(pg_session, chat, None) is None
    assert ticket.events[-1].kind == "retour_assistant"

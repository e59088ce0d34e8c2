"""The support desk against a real PostgreSQL server: contract, duplicates, merge, queue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from support_tickets import repository, service
from support_tickets.auth import create_agent
from tests.postgres import throwaway_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_session() -> Iterator[Session]:
    with throwaway_database("tickets_pg") as url:
        engine = create_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            yield session
        engine.dispose()


def test_postgres_contract_duplicates_merge_and_queue(pg_session: Session) -> None:
    db = pg_session
    agent = create_agent(
        db,
        email="agent.pg@exemple.fr",
        name="Agent PG",
        role="agent",
        password="mot-de-passe-pg-01",
    )
    identity = {"sub": "pg-user-1", "name": "Rose Leroy"}
    first = service.create_ticket(
        db,
        email="rose@exemple.fr",
        category="compte",
        identity=identity,
        description="Je ne peux plus me connecter à mon compte, mot de passe refusé.",
        chat_session_id="pg-chat-1",
        transcript=[
            {
                "role": "user",
                "text": "connexion",
                "created_at": "2026-11-27T09:00:00+00:00",
                "intent": "ask_human",
                "confidence": 0.9,
            }
        ],
    )
    second = service.create_ticket(
        db,
        email="ROSE@exemple.fr",
        category="compte",
        description="Impossible de me connecter à mon compte : mot de passe refusé.",
    )
    assert first.number.endswith("-000001") and second.number.endswith("-000002")
    assert second.duplicate_of_id == first.id
    assert service.find_ticket_for_requester(db, number=first.number, email="Rose@Exemple.fr")
    assert service.find_ticket_for_requester(db, number=first.number, email="x@y.fr") is None
    assert [t.id for t in service.tickets_for_identity(db, "pg-user-1")] == [first.id]
    service.merge_tickets(db, source=second, target=first, agent=agent)
    reply = service.reply_to_ticket(db, first, agent=agent, text="Accès rétabli.", status="resolu")
    assert [r.id for r in service.public_replies_for_chat_session(db, "pg-chat-1")] == [reply.id]
    service.add_user_message(db, first, "Merci, mais le problème revient.")
    assert first.status == "en_cours"
    result = repository.search_queue(
        db, repository.QueueFilters(q="MOT DE PASSE", status="tous"), agent=agent
    )
    assert {r.ticket.number for r in result.rows} == {first.number, second.number}
    assert result.status_counts["clos"] == 1 and result.status_counts["en_cours"] == 1
    by_priority = repository.search_queue(
        db, repository.QueueFilters(sort="priorite", status="tous"), agent=agent
    )
    assert len(by_priority.rows) == 2
    assert repository.overview(db).open_total == 1

"""The migrations and the chat-turn repository against a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from portal.conversations import repository
from tests.postgres import throwaway_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh database for this module, dropped afterwards."""
    with throwaway_database() as url:
        yield url


def test_repository_postgres_records_and_lists_turns(pg_url: str) -> None:
    engine = create_engine(pg_url)
    with Session(engine) as session:
        first = repository.record_turn(
            session,
            session_id="pg-session-01",
            user_text="bonjour",
            replies=[{"text": "Bonjour !", "buttons": [], "links": []}],
            outcome="answered",
            latency_ms=12.5,
            kb=[{"decision": "answer"}],
        )
        repository.record_turn(
            session,
            session_id="pg-session-01",
            user_text="merci",
            replies=[],
            outcome="unavailable",
            latency_ms=3.0,
        )
        repository.set_intent(session, first.id, "greet", 0.98)
        turns = repository.list_turns(session, "pg-session-01")
    assert [t.user_text for t in turns] == ["bonjour", "merci"]
    assert turns[0].intent == "greet" and turns[0].kb == [{"decision": "answer"}]
    assert turns[1].kb is None and turns[0].created_at is not None
    engine.dispose()

"""The migrations and the chat-turn repository against a real PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from assistant.chat import repository
from assistant.migrate import upgrade

pytestmark = pytest.mark.postgres
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh database for this module, dropped afterwards."""
    name = f"assistant_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


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

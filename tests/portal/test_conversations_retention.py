"""Redaction on storage and retention of chat turns, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.conversations import repository
from portal.conversations.keys import open_conversation
from portal.conversations.models import ChatConversation, ChatTurn
from portal.conversations.redaction import EMAIL, IBAN, PHONE
from portal.conversations.retention import purge_expired_turns
from portal.settings import PortalSettings, get_portal_settings
from storage.db import make_engine
from storage.migrate import upgrade
from tests.postgres import throwaway_database

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
DEFAULT_DAYS = PortalSettings.model_fields["chat_retention_days"].default


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A freshly migrated database of each kind (PostgreSQL: a throw-away database)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('turns') / 'turns.db'}"
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    with throwaway_database() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def _turn(session: Session, session_id: str, text: str = "bonjour", **fields: object) -> ChatTurn:
    turn = repository.record_turn(
        session,
        session_id=session_id,
        user_text=text,
        replies=[{"text": "Bonjour !"}],
        outcome="answered",
        latency_ms=1.0,
    )
    for name, value in fields.items():
        setattr(turn, name, value)
    session.commit()
    return turn


def _aged(session: Session, days: float) -> tuple[str, ChatTurn]:
    """A new conversation (with its key) whose one turn is ``days`` old at :data:`NOW`."""
    session_id = f"chat-{uuid.uuid4().hex[:12]}"
    open_conversation(session, session_id)
    created = NOW - dt.timedelta(days=days)
    conversation = session.get(ChatConversation, session_id)
    assert conversation is not None
    conversation.created_at = created
    return session_id, _turn(session, session_id, created_at=created)


def _ids(session: Session) -> set[int]:
    session.expire_all()
    return set(session.scalars(select(ChatTurn.id)).all())


def test_repository_record_turn_stores_redacted_user_text(session: Session) -> None:
    turn = _turn(session, "chat-redact-01", "joignez-moi au 06 12 34 56 78 ou a@b.fr")
    session.expire_all()
    stored = session.get(ChatTurn, turn.id)
    assert stored is not None and stored.user_text == f"joignez-moi au {PHONE} ou {EMAIL}"


def test_repository_record_turn_redacts_replies_echoing_the_user(session: Session) -> None:
    summary = "Voici le récapitulatif de votre demande :\n• Description : IBAN BE68539007547034"
    turn = repository.record_turn(
        session,
        session_id="chat-redact-02",
        user_text="non",
        replies=[{"text": summary}, {"text": "Écrivez à cosp.dsj-fip4@justice.gouv.fr."}],
        outcome="answered",
        latency_ms=1.0,
    )
    session.expire_all()
    stored = session.get(ChatTurn, turn.id)
    assert stored is not None
    assert [r["text"] for r in stored.replies] == [
        f"Voici le récapitulatif de votre demande :\n• Description : IBAN {IBAN}",
        "Écrivez à cosp.dsj-fip4@justice.gouv.fr.",
    ]


def test_retention_purge_deletes_only_expired_turns(session: Session) -> None:
    _, old = _aged(session, DEFAULT_DAYS + 1)
    _, recent = _aged(session, DEFAULT_DAYS - 1)
    assert purge_expired_turns(session, now=NOW) >= 1
    remaining = _ids(session)
    assert old.id not in remaining and recent.id in remaining


def test_retention_purge_deletes_conversations_left_without_turns(session: Session) -> None:
    gone, _ = _aged(session, DEFAULT_DAYS + 2)
    kept, _ = _aged(session, DEFAULT_DAYS - 2)
    purge_expired_turns(session, now=NOW)
    session.expire_all()
    assert session.get(ChatConversation, gone) is None
    assert session.get(ChatConversation, kept) is not None


def test_retention_purge_keeps_recent_conversation_without_turns(session: Session) -> None:
    session_id = f"chat-{uuid.uuid4().hex[:12]}"
    open_conversation(session, session_id)  # the key is issued before the turn is stored
    conversation = session.get(ChatConversation, session_id)
    assert conversation is not None
    conversation.created_at = NOW - dt.timedelta(days=1)
    session.commit()
    purge_expired_turns(session, now=NOW)
    session.expire_all()
    assert session.get(ChatConversation, session_id) is not None


def test_retention_purge_keeps_old_conversation_with_recent_turns(session: Session) -> None:
    session_id, old = _aged(session, DEFAULT_DAYS + 3)
    recent = _turn(session, session_id, created_at=NOW - dt.timedelta(days=1))
    purge_expired_turns(session, now=NOW)
    session.expire_all()
    assert old.id not in _ids(session) and recent.id in _ids(session)
    assert session.get(ChatConversation, session_id) is not None


def test_retention_purge_counts_deleted_turns(session: Session) -> None:
    purge_expired_turns(session, now=NOW)
    _aged(session, DEFAULT_DAYS + 5)
    _aged(session, DEFAULT_DAYS + 6)
    assert purge_expired_turns(session, now=NOW) == 2
    assert purge_expired_turns(session, now=NOW) == 0


def test_retention_purge_follows_the_setting(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_CHAT_RETENTION_DAYS", "10")
    get_portal_settings.cache_clear()
    try:
        _, turn = _aged(session, 11)
        purge_expired_turns(session, now=NOW)
        assert turn.id not in _ids(session)
    finally:
        monkeypatch.delenv("ASSISTANT_CHAT_RETENTION_DAYS")
        get_portal_settings.cache_clear()


def test_retention_setting_defaults_to_90_days() -> None:
    assert DEFAULT_DAYS == 90

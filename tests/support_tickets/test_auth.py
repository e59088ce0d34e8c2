"""Agent accounts: argon2 hashes, lockout after repeated failures, sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from support_tickets import auth
from support_tickets.config import SupportSettings
from support_tickets.errors import LoginError
from support_tickets.models import Agent
from tests.support_tickets.conftest import AGENT_PASSWORD


def test_create_agent_stores_argon2_hash(agent: Agent) -> None:
    assert agent.password_hash.startswith("$argon2id$")
    assert AGENT_PASSWORD not in agent.password_hash
    with pytest.raises(ValueError, match="au moins 12 caractères"):
        auth.hash_password("court")


def test_authenticate_accepts_right_password_case_insensitive_email(
    db: Session, agent: Agent
) -> None:
    found = auth.authenticate(db, email=agent.email.upper(), password=AGENT_PASSWORD)
    assert found.id == agent.id and found.last_login_at is not None


def test_authenticate_same_message_for_unknown_email_and_wrong_password(
    db: Session, agent: Agent
) -> None:
    with pytest.raises(LoginError) as unknown:
        auth.authenticate(db, email="personne@exemple.fr", password=AGENT_PASSWORD)
    with pytest.raises(LoginError) as wrong:
        auth.authenticate(db, email=agent.email, password="mauvais-mot-de-passe")
    assert unknown.value.message == wrong.value.message == auth.BAD_CREDENTIALS


def test_authenticate_locks_after_repeated_failures(db: Session, agent: Agent) -> None:
    settings = SupportSettings(max_failed_logins=3, lockout_minutes=15)
    now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    for _ in range(2):
        with pytest.raises(LoginError, match="incorrect"):
            auth.authenticate(db, email=agent.email, password="x" * 12, now=now, settings=settings)
    with pytest.raises(LoginError, match="verrouillé pendant encore 15 minutes"):
        auth.authenticate(db, email=agent.email, password="x" * 12, now=now, settings=settings)
    # Even the right password is refused during the lockout…
    with pytest.raises(LoginError, match="verrouillé"):
        auth.authenticate(
            db,
            email=agent.email,
            password=AGENT_PASSWORD,
            now=now + dt.timedelta(minutes=5),
            settings=settings,
        )
    # …and accepted after it.
    later = now + dt.timedelta(minutes=16)
    assert (
        auth.authenticate(
            db, email=agent.email, password=AGENT_PASSWORD, now=later, settings=settings
        ).id
        == agent.id
    )


def test_open_session_stores_only_token_digest(db: Session, agent: Agent) -> None:
    new = auth.open_session(db, agent)
    row = auth.session_for_token(db, new.token)
    assert row is not None and row.agent_id == agent.id and row.csrf_token == new.csrf_token
    assert row.token_hash != new.token
    assert auth.session_for_token(db, new.token + "x") is None
    auth.close_session(db, new.token)
    assert auth.session_for_token(db, new.token) is None


def test_session_for_token_refuses_inactive_agent(db: Session, agent: Agent) -> None:
    new = auth.open_session(db, agent)
    agent.active = False
    db.commit()
    assert auth.session_for_token(db, new.token) is None

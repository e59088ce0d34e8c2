"""Agent accounts: argon2 password hashes, lockout after repeated failures, console sessions
(random token in an HttpOnly cookie, only its SHA-256 stored) each with its CSRF token."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from support_tickets.config import SupportSettings, get_support_settings
from support_tickets.errors import LoginError
from support_tickets.models import Agent, AgentSession, as_utc, utcnow
from support_tickets.taxonomy import ROLE_LABELS
from support_tickets.validation import NUL

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both cases take the same time. Its content
# never matters (no mutation of it can be observed).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))  # pragma: no mutate
MIN_PASSWORD_CHARS = 12
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"Le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères.")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_agent(session: Session, *, email: str, name: str, role: str, password: str) -> Agent:
    """Create an agent account (committed)."""
    if role not in ROLE_LABELS:
        raise ValueError(f"Rôle inconnu : {role}")
    agent = Agent(
        email=email.strip().lower(), name=name, role=role, password_hash=hash_password(password)
    )
    session.add(agent)
    session.commit()
    return agent


def _lockout_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (
        "Trop de tentatives de connexion échouées : ce compte est verrouillé pendant encore "
        f"{minutes} minute{'s' if minutes >= 2 else ''}."  # French: plural from 2 on
    )


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    now: dt.datetime | None = None,  # pragma: no mutate (annotation)
    settings: SupportSettings | None = None,  # pragma: no mutate (annotation)
) -> Agent:
    """The agent whose credentials these are; raises :class:`LoginError` (French) otherwise.

    After ``max_failed_logins`` failures in a row the account is locked for
    ``lockout_minutes``, during which even the right password is refused.
    """
    settings = settings or get_support_settings()
    now = as_utc(now) or utcnow()
    wanted = (email or "").strip().lower()
    # No address holds a NUL character, which PostgreSQL would refuse to compare.
    agent = (
        None
        if NUL in wanted
        else session.scalars(select(Agent).where(func.lower(Agent.email) == wanted)).first()
    )
    if agent is None or not agent.active:
        # Only the time this takes matters, never its result (mutants are equivalent).
        verify_password(_DUMMY_HASH, password or "")  # pragma: no mutate
        raise LoginError(BAD_CREDENTIALS)
    locked_until = as_utc(agent.locked_until)
    if locked_until is not None and locked_until > now:
        raise LoginError(_lockout_message(locked_until, now))
    if not verify_password(agent.password_hash, password or ""):
        agent.failed_logins += 1
        if agent.failed_logins >= settings.max_failed_logins:
            agent.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
            agent.failed_logins = 0
            session.commit()
            raise LoginError(_lockout_message(agent.locked_until, now))
        session.commit()
        raise LoginError(BAD_CREDENTIALS)
    agent.failed_logins = 0
    agent.locked_until = None
    agent.last_login_at = now
    if _hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = _hasher.hash(password)
    session.commit()
    return agent


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    expires_at: dt.datetime


def open_session(
    session: Session,
    agent: Agent,
    settings: SupportSettings | None = None,  # pragma: no mutate (annotation)
    now: dt.datetime | None = None,  # pragma: no mutate (annotation)
) -> NewSession:
    """Start a console session; the token goes in the cookie, never in the database.

    Sessions over at ``now`` (see :func:`session_for_token`) are purged on the way.
    """
    settings = settings or get_support_settings()
    now = as_utc(now) or utcnow()
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=settings.session_hours)
    session.execute(delete(AgentSession).where(AgentSession.expires_at <= now))
    session.add(
        AgentSession(
            token_hash=_digest(token), agent_id=agent.id, csrf_token=csrf, expires_at=expires
        )
    )
    session.commit()
    return NewSession(token, csrf, expires)


def session_for_token(
    session: Session,
    token: str | None,  # pragma: no mutate (annotation)
    now: dt.datetime | None = None,  # pragma: no mutate (annotation)
) -> AgentSession | None:  # pragma: no mutate (annotation)
    """The live session of this cookie value, with its active agent; None otherwise.

    A session is over from its ``expires_at`` on (that instant included).
    """
    if not token:
        return None
    now = as_utc(now) or utcnow()
    row = session.scalars(
        select(AgentSession).where(AgentSession.token_hash == _digest(token))
    ).first()
    if row is None or as_utc(row.expires_at) <= now or not row.agent.active:
        return None
    return row


def close_session(
    session: Session,
    token: str | None,  # pragma: no mutate (annotation)
) -> None:
    if token:
        session.execute(delete(AgentSession).where(AgentSession.token_hash == _digest(token)))
        session.commit()


def csrf_matches(
    expected: str,
    given: str | None,  # pragma: no mutate (annotation)
) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())

"""Logout on the server side: revoked session tokens (issue 12, point 3)."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import RevokedToken
from portal.identity import InvalidToken


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def revoke(session: Session, token: str, expires_at: int) -> None:
    """Refuse ``token`` from now until ``expires_at`` (epoch seconds, its ``exp``); the
    revocations already past their expiry are forgotten on the way. Commits."""
    now = dt.datetime.now(dt.UTC)
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    session.add(
        RevokedToken(
            token_hash=_hash(token), expires_at=dt.datetime.fromtimestamp(expires_at, dt.UTC)
        )
    )
    try:
        session.commit()
    except IntegrityError:  # revoked twice (two logouts of one session): already done
        session.rollback()


def is_revoked(session: Session, token: str) -> bool:
    query = select(RevokedToken.token_hash).where(RevokedToken.token_hash == _hash(token))
    return session.scalar(query) is not None


class LoggedOut(InvalidToken):
    """The token was revoked by a logout."""

    detail = "Votre session a été fermée : reconnectez-vous au portail."

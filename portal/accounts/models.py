"""ORM model of a portal user account (the demo's copy of the portal's accounts)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base


def new_public_id() -> str:
    """The stable, non-guessable ``sub`` claim of an account."""
    return uuid.uuid4().hex


class PortalUser(Base):
    """A portal account: e-mail (unique, lower-case), display name, optional SIRET.

    ``public_id`` is the ``sub`` of the identity token; the numeric ``id`` never leaves
    the database. ``failed_logins`` and ``locked_until`` implement the login lockout.
    """

    __tablename__ = "portal_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_public_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str | None] = mapped_column(String(14), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class RevokedToken(Base):
    """A session token ended by « Se déconnecter » before its expiry (its SHA-256).

    Identity tokens are signed and stateless; this list is what makes a logout final on the
    server: a revoked token is refused until it would have expired anyway, then forgotten.
    """

    __tablename__ = "revoked_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)

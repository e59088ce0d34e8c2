"""Database access for portal accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import PortalUser
from portal.accounts.passwords import hash_password


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_by_email(session: Session, email: str) -> PortalUser | None:
    return session.scalars(
        select(PortalUser).where(PortalUser.email == normalise_email(email))
    ).one_or_none()


def get_by_public_id(session: Session, public_id: str) -> PortalUser | None:
    return session.scalars(
        select(PortalUser).where(PortalUser.public_id == public_id)
    ).one_or_none()


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    siret: str | None = None,
    public_id: str | None = None,
) -> PortalUser:
    user = PortalUser(
        email=normalise_email(email),
        name=name.strip(),
        siret=siret,
        password_hash=hash_password(password),
        failed_logins=0,
    )
    if public_id:
        user.public_id = public_id
    session.add(user)
    session.commit()
    return user

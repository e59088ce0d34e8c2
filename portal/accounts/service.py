"""Login: check the password, count failures, lock the account after too many."""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.accounts import repository
from portal.accounts.models import PortalUser
from portal.accounts.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from storage.db import as_utc

logger = logging.getLogger(__name__)


class LoginOutcome(enum.Enum):
    OK = "ok"
    INVALID = "invalid"  # unknown e-mail or wrong password: the caller cannot tell which
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: PortalUser | None = None
    locked_until: dt.datetime | None = None


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    max_failures: int,
    lockout_s: int,
    now: dt.datetime | None = None,
) -> LoginResult:
    """Check ``email``/``password``; the ``max_failures``-th failure locks for ``lockout_s``.

    A locked account is refused even with the right password until the lock ends, and
    its password is not even checked (no oracle while locked).
    """
    now = now or dt.datetime.now(dt.UTC)
    user = repository.get_by_email(session, email)
    if user is None:
        verify_password(dummy_hash(), password)  # same cost as a real check
        return LoginResult(LoginOutcome.INVALID)
    locked_until = as_utc(user.locked_until)
    if locked_until is not None and locked_until > now:
        return LoginResult(LoginOutcome.LOCKED, locked_until=locked_until)
    if not verify_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + dt.timedelta(seconds=lockout_s)
            user.failed_logins = 0
            session.commit()
            logger.warning("accounts.locked user=%s", user.public_id)
            return LoginResult(LoginOutcome.LOCKED, locked_until=user.locked_until)
        session.commit()
        return LoginResult(LoginOutcome.INVALID)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return LoginResult(LoginOutcome.OK, user=user)

"""Shared fixtures of the identity, login, portal and status tests: known secrets, demo data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.config import Settings, get_settings
from portal.accounts.repository import get_by_email
from portal.accounts.seed import DEMO_ACCOUNTS, seed_demo
from portal.identity import sign_identity
from portal.settings import get_portal_settings
from storage.db import get_sessionmaker

IDENTITY_SECRET = "test-identity-secret-0123456789abcdef"
PORTAL_API_KEY = "test-portal-key-0123456789"
SIRET_ACCOUNT, NO_SIRET_ACCOUNT = DEMO_ACCOUNTS


@pytest.fixture
def known_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings with a known identity secret and portal API key, for the routes and actions."""
    monkeypatch.setenv("ASSISTANT_IDENTITY_SECRET", IDENTITY_SECRET)
    monkeypatch.setenv("ASSISTANT_PORTAL_API_KEY", PORTAL_API_KEY)
    get_settings.cache_clear()
    get_portal_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    get_portal_settings.cache_clear()


@pytest.fixture
def demo_data() -> None:
    """The demo accounts and submissions in the test database (idempotent)."""
    with get_sessionmaker()() as session:
        seed_demo(session)


def token_for(email: str, ttl_s: int = 600, now: float | None = None) -> str:
    """A valid identity token of an existing account, signed with the test secret."""
    with get_sessionmaker()() as session:
        user = get_by_email(session, email)
        assert user is not None
        return sign_identity(
            IDENTITY_SECRET.encode(),
            sub=user.public_id,
            email=user.email,
            name=user.name,
            siret=user.siret,
            ttl_s=ttl_s,
            now=now,
        )

"""Fixtures of the support actions' tests (not autouse: the modules that need them say so)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from assistant.config import get_settings
from portal.settings import get_portal_settings
from storage.db import get_engine, get_sessionmaker
from storage.migrate import upgrade
from support_tickets.config import get_support_settings
from support_tickets.similarity import LexicalSimilarity


@pytest.fixture(scope="module")
def support_database() -> None:
    get_settings.cache_clear()
    get_portal_settings.cache_clear()
    get_support_settings.cache_clear()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    upgrade()


@pytest.fixture
def lexical_similarity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Duplicate detection compares descriptions lexically here (no embedder needed)."""
    monkeypatch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)


@pytest.fixture
def db() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session

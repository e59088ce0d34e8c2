"""The chat route and the database pool: no connection held while Rasa answers, and a
French 503 (never a 500 or a stall) when the pool is exhausted (issue 12, SECURITY.md)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from assistant.config import Settings
from assistant.errors import DATABASE_BUSY
from assistant.main import create_app
from storage.db import get_engine, get_sessionmaker
from tests.assistant.conftest import FakeBackends
from tests.widget_client import WidgetClient

POOL_TIMEOUT_S = "0.2"


def test_chat_releases_connection_while_rasa_answers(
    client: TestClient, backends: FakeBackends
) -> None:
    for message in ("bonjour", "et la facturation ?", "merci"):
        response = client.post("/api/chat", json={"session_id": "pool-001", "message": message})
        assert response.status_code == 200
    assert backends.connections_during_send == [0, 0, 0]


@pytest.fixture
def exhausted_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Connection]]:
    """Every connection of a fresh pool (5 + 10 overflow) held by the test, with a short
    wait for a free one."""
    monkeypatch.setenv("ASSISTANT_DATABASE_POOL_TIMEOUT_S", POOL_TIMEOUT_S)
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    engine = get_engine()
    held = [engine.connect() for _ in range(15)]
    try:
        yield held
    finally:
        for connection in held:
            connection.close()
        engine.dispose()
        monkeypatch.delenv("ASSISTANT_DATABASE_POOL_TIMEOUT_S")
        get_engine.cache_clear()
        get_sessionmaker.cache_clear()


def test_chat_exhausted_pool_answers_french_503(
    settings: Settings, backends: FakeBackends, exhausted_pool: list[Connection]
) -> None:
    app = create_app(settings, transport=httpx.MockTransport(backends.handle))
    with WidgetClient(app) as client:
        response = client.post("/api/chat", json={"session_id": "pool-002", "message": "bonjour"})
    assert response.status_code == 503
    assert response.json()["detail"] == DATABASE_BUSY
    assert response.headers["Retry-After"] == "5"
    assert backends.sent == []  # refused before Rasa: nothing half-done


def test_chat_pool_released_after_503_then_answers(
    settings: Settings, backends: FakeBackends, exhausted_pool: list[Connection]
) -> None:
    app = create_app(settings, transport=httpx.MockTransport(backends.handle))
    with WidgetClient(app) as client:
        refused = client.post("/api/chat", json={"session_id": "pool-003", "message": "bonjour"})
        exhausted_pool.pop().close()
        answered = client.post("/api/chat", json={"session_id": "pool-003", "message": "bonjour"})
    assert (refused.status_code, answered.status_code) == (503, 200)
    assert answered.json()["messages"][0]["text"] == "Bonjour !"

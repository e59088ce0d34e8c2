"""Fixtures of the web-app tests: the real app, with Rasa and the action server replaced by a
scripted HTTP transport (the end-to-end tests use the real servers)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings, get_settings
from assistant.main import create_app
from storage.db import get_engine, get_sessionmaker
from storage.migrate import upgrade
from tests.widget_client import WidgetClient

Handler = Callable[[httpx.Request], httpx.Response]


class FakeBackends:
    """Scripted answers of Rasa and of the action server, per test."""

    def __init__(self) -> None:
        self.rasa_reply: list[dict[str, Any]] | Exception = [{"text": "Bonjour !"}]
        self.rasa_status = 200
        self.action_server_up = True
        self.sent: list[dict[str, Any]] = []
        # Pooled database connections checked out while Rasa was answering, one per message.
        self.connections_during_send: list[int] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.startswith("http://rasa.test/webhooks/rest/webhook"):
            self.sent.append(json.loads(request.content))
            self.connections_during_send.append(get_engine().pool.checkedout())  # type: ignore[attr-defined]
            if isinstance(self.rasa_reply, Exception):
                raise self.rasa_reply
            return httpx.Response(self.rasa_status, json=self.rasa_reply)
        if url.startswith("http://rasa.test/status"):
            if isinstance(self.rasa_reply, Exception):
                raise self.rasa_reply
            return httpx.Response(200, json={"model_file": "assistant.tar.gz"})
        if url.startswith("http://rasa.test/conversations/"):
            return httpx.Response(
                200, json={"latest_message": {"intent": {"name": "greet", "confidence": 0.97}}}
            )
        if url.startswith("http://actions.test/health"):
            if not self.action_server_up:
                raise httpx.ConnectError("refused")
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(404)


@pytest.fixture(scope="session", autouse=True)
def _database() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    upgrade()


@pytest.fixture
def backends() -> FakeBackends:
    return FakeBackends()


@pytest.fixture
def settings() -> Settings:
    return Settings(
        rasa_url="http://rasa.test",
        action_server_url="http://actions.test",
        rasa_token="secret",
        rate_limit_per_session=5,
    )


@pytest.fixture
def client(settings: Settings, backends: FakeBackends) -> Iterator[TestClient]:
    app = create_app(settings, transport=httpx.MockTransport(backends.handle))
    with WidgetClient(app) as test_client:
        yield test_client

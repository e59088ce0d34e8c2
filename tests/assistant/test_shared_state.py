"""The app's shared state in Redis (issue 17), in process: two apps with the same Redis and
prefix are two workers of one limit; Redis down, each keeps its own limits (logged, never a
5xx); no Redis setting, nothing changes (``make run``)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.main import create_app
from tests.assistant.conftest import FakeBackends
from tests.redis_server import REDIS_URL, UNREACHABLE_REDIS_URL, key_prefix
from tests.widget_client import WidgetClient
from web_common.live_events import InProcessEvents, get_live_events
from web_common.redis_events import RedisEvents
from web_common.redis_rate_limit import RedisRateLimiter

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix() -> Iterator[str]:
    with key_prefix() as value:
        yield value


def _app(settings: Settings, backends: FakeBackends) -> WidgetClient:
    return WidgetClient(create_app(settings, transport=httpx.MockTransport(backends.handle)))


def _post(client: TestClient, session_id: str) -> int:
    body = {"session_id": session_id, "message": "bonjour"}
    return client.post("/api/chat", json=body).status_code


def test_shared_state_client_limit_spans_two_apps(
    settings: Settings, backends: FakeBackends, prefix: str
) -> None:
    shared = settings.model_copy(
        update={"redis_url": REDIS_URL, "redis_key_prefix": prefix, "rate_limit_per_client": 3}
    )
    with _app(shared, backends) as first, _app(shared, backends) as second:
        statuses = [_post(app, f"shared-{i:02d}") for i, app in enumerate([first, second] * 3)]
        assert isinstance(get_live_events(), RedisEvents)
        assert isinstance(first.app.state.rate_limiters["client"], RedisRateLimiter)  # type: ignore[attr-defined]
    assert statuses == [200, 200, 200, 429, 429, 429]


def test_shared_state_redis_down_keeps_per_worker_limits_without_5xx(
    settings: Settings, backends: FakeBackends, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    down = settings.model_copy(
        update={"redis_url": UNREACHABLE_REDIS_URL, "redis_key_prefix": prefix}
    )
    with caplog.at_level(logging.WARNING), _app(down, backends) as client:
        statuses = [_post(client, "shared-redis-down") for _ in range(6)]
        assert client.get("/health/live").status_code == 200
    assert statuses == [200] * settings.rate_limit_per_session + [429]
    assert any("rate_limit.redis_unavailable" in r.message for r in caplog.records)


def test_shared_state_off_by_default(settings: Settings, backends: FakeBackends) -> None:
    assert Settings.model_fields["redis_url"].default is None
    with _app(settings, backends) as client:
        assert not hasattr(client.app.state, "limiter_factory")  # type: ignore[attr-defined]
        assert type(client.app.state.rate_limiters["client"]).__name__ == "RateLimiter"  # type: ignore[attr-defined]
        channel = get_live_events()
        assert isinstance(channel, InProcessEvents) and not isinstance(channel, RedisEvents)


@pytest.mark.parametrize("environment", ["development", "production"])
def test_shared_state_worker_pid_header_only_in_test_environment(
    settings: Settings, backends: FakeBackends, environment: str
) -> None:
    with _app(settings, backends) as client:
        assert client.get("/health/live").headers["X-Worker-Pid"] == str(os.getpid())
    other = settings.model_copy(update={"environment": environment})
    with _app(other, backends) as client:
        assert "X-Worker-Pid" not in client.get("/health/live").headers

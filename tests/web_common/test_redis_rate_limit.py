"""The rate limiter shared through Redis (the machine's server, as in CI): one limit across
two limiters of their own clients (two workers), the window boundary on a clock the test
drives (``now``), keys that expire, and per-worker limits with a log while Redis is away.

No sleeps, no timed assertions: the clock is passed, or is Redis's own for one check.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.redis_server import REDIS_URL, UNREACHABLE_REDIS_URL, PrivateRedis, key_prefix
from web_common import redis_rate_limit
from web_common.rate_limit import WINDOW_S, app_limiter
from web_common.redis_rate_limit import RedisLimiterFactory, RedisRateLimiter, redis_client

pytestmark = pytest.mark.redis
EPSILON = 1e-6


@pytest.fixture
def prefix() -> Iterator[str]:
    with key_prefix() as value:
        yield value


def _worker(
    prefix: str, limit: int, url: str = REDIS_URL, window_s: float = 60
) -> RedisRateLimiter:
    """A limiter with a client of its own, as a second web worker would have."""
    return RedisRateLimiter(redis_client(url), prefix, limit, window_s)


def test_redis_rate_limiter_limit_holds_across_two_workers(prefix: str) -> None:
    first, second = _worker(prefix, 3), _worker(prefix, 3)
    answers = [limiter.allow("client-a", now=1000.0) for limiter in [first, second] * 3]
    assert answers == [True, True, True, False, False, False]
    assert first.allow("client-b", now=1000.0) and second.allow("client-b", now=1000.0)


def test_redis_rate_limiter_window_boundary_across_workers(prefix: str) -> None:
    first, second = _worker(prefix, 2, window_s=30), _worker(prefix, 2, window_s=30)
    assert first.allow("k", now=100.0) and second.allow("k", now=105.0)
    assert not second.allow("k", now=130.0 - EPSILON)  # the event of 100 still counts
    assert first.allow("k", now=130.0)  # it left the window: one slot again
    assert not second.allow("k", now=130.0)
    assert not first.allow("k", now=135.0 - EPSILON)
    assert second.allow("k", now=135.0)


def test_redis_rate_limiter_refused_attempts_are_not_counted(prefix: str) -> None:
    limiter = _worker(prefix, 1)
    assert limiter.allow("k", now=0.0)
    assert not any(limiter.allow("k", now=float(t)) for t in range(1, 60))
    assert limiter.allow("k", now=60.0)


def test_redis_rate_limiter_retry_after_seen_by_the_other_worker(prefix: str) -> None:
    first, second = _worker(prefix, 2), _worker(prefix, 2)
    assert second.retry_after("k", now=1000.0) == 0
    assert first.allow("k", now=1000.0)
    assert second.retry_after("k", now=1001.0) == 0  # one place left
    assert first.allow("k", now=1010.0)
    assert second.retry_after("k", now=1030.5) == 30  # until 1060, rounded up
    assert second.retry_after("k", now=1059.0) == 1
    assert second.retry_after("k", now=1060.0) == 0
    assert second.allow("k", now=1060.0)


def test_redis_rate_limiter_lowered_limit_waits_for_enough_events_to_leave(prefix: str) -> None:
    limiter = _worker(prefix, 3)
    assert all(limiter.allow("k", now=t) for t in (0.0, 10.0, 20.0))
    limiter.limit = 1
    assert not limiter.allow("k", now=30.0)
    assert limiter.retry_after("k", now=30.0) == 50  # 2 of the 3 must leave: at 80
    assert not limiter.allow("k", now=79.0)
    assert limiter.allow("k", now=80.0)


def test_redis_rate_limiter_keys_expire_after_one_window(prefix: str) -> None:
    limiter = _worker(prefix, 5)
    assert limiter.allow("k")  # Redis's clock
    client = redis.Redis.from_url(REDIS_URL)
    try:
        ttl_ms = client.pttl(prefix + "k")
    finally:
        client.close()
    assert 0 < ttl_ms <= WINDOW_S * 1000


def test_redis_rate_limiter_redis_clock_by_default(prefix: str) -> None:
    """Without ``now``, both workers count on Redis's clock (not each on its own)."""
    first, second = _worker(prefix, 1), _worker(prefix, 1)
    assert first.allow("k") and not second.allow("k")
    assert 1 <= second.retry_after("k") <= 60


def test_redis_rate_limiter_factory_is_the_apps_limiter_maker(prefix: str) -> None:
    class State:
        pass

    first, second = State(), State()
    for state in (first, second):
        state.limiter_factory = RedisLimiterFactory(REDIS_URL, prefix)  # type: ignore[attr-defined]
    one, other = app_limiter(first, "login", 1), app_limiter(second, "login", 1)
    assert isinstance(one, RedisRateLimiter) and one is app_limiter(first, "login", 1)
    assert one.allow("10.0.0.1", now=0.0)
    assert not other.allow("10.0.0.1", now=1.0)  # same name: same counts
    assert app_limiter(second, "support_form", 1).allow("10.0.0.1", now=1.0)  # another name


def test_redis_rate_limiter_unavailable_falls_back_to_per_worker_limits(
    prefix: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_rate_limit, "REDIS_RETRY_S", 0.0)  # each call tries Redis
    limiter = _worker(prefix, 2, url=UNREACHABLE_REDIS_URL)
    with caplog.at_level(logging.WARNING, logger=redis_rate_limit.__name__):
        answers = [limiter.allow("k", now=0.0) for _ in range(3)]
        assert limiter.retry_after("k", now=1.0) == 59
    assert answers == [True, True, False]  # neither open nor closed: this worker's window
    warnings = [r.message for r in caplog.records if "redis_unavailable" in r.message]
    assert len(warnings) == 1  # once per outage, not once per request


def test_redis_rate_limiter_shared_again_once_redis_is_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(redis_rate_limit, "REDIS_RETRY_S", 0.0)  # retry at the next call
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        first, second = _worker("p:", 1, url=server.url), _worker("p:", 1, url=server.url)
        assert first.allow("k", now=0.0)
        server.stop()
        with caplog.at_level(logging.WARNING, logger=redis_rate_limit.__name__):
            assert second.allow("k", now=1.0)  # its own window: a place left
            server.start()  # empty: what was counted during the outage is forgotten
            assert second.allow("k", now=2.0)  # in Redis again
        assert not first.allow("k", now=3.0)  # ... where the first worker sees it
        assert [r.message.split(" ")[0] for r in caplog.records] == [
            "rate_limit.redis_unavailable",
            "rate_limit.redis_back",
        ]
    finally:
        server.stop()

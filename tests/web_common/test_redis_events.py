"""Live events through Redis pub/sub (the machine's server, as in CI): a publish in one
worker's channel wakes the subscribers of another's; without Redis a worker still wakes its
own and logs it; the listener comes back after Redis restarts.

Two :class:`RedisEvents` in one test are two workers: each has its own connections and its
own listener. Waits are bounded (a failure, not a slow pass, when nothing comes).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.redis_server import REDIS_URL, UNREACHABLE_REDIS_URL, PrivateRedis, key_prefix
from web_common import redis_events
from web_common.live_events import InProcessEvents, TooManySubscribers, get_live_events
from web_common.redis_events import RedisEvents, shared_live_events

pytestmark = pytest.mark.redis
WAIT_S = 5.0  # a notified subscriber wakes at once; this only bounds a failing test
QUIET_S = 0.3  # how long a subscriber that must not be woken is watched


@pytest.fixture
def prefix() -> Iterator[str]:
    with key_prefix() as value:
        yield value


@asynccontextmanager
async def worker(prefix: str, url: str = REDIS_URL) -> AsyncIterator[RedisEvents]:
    """One worker's channel, started, listening when Redis is there."""
    channel = RedisEvents(url, prefix)
    await channel.start()
    try:
        if url != UNREACHABLE_REDIS_URL:
            await asyncio.wait_for(channel.listening.wait(), WAIT_S)
        yield channel
    finally:
        await channel.stop()


async def test_redis_events_publish_in_one_worker_wakes_another(prefix: str) -> None:
    async with worker(prefix) as first, worker(prefix) as second:
        subscription = second.subscribe("chat:a", 4)
        first.publish("chat:a")
        assert await subscription.wait(WAIT_S) is True
        subscription.close()


async def test_redis_events_publish_wakes_own_worker_too(prefix: str) -> None:
    async with worker(prefix) as first:
        subscription = first.subscribe("chat:a", 4)
        first.publish("chat:a")
        assert await subscription.wait(WAIT_S) is True
        subscription.close()


async def test_redis_events_publish_from_a_thread_wakes_another_worker(prefix: str) -> None:
    asyncio.get_running_loop().set_debug(True)  # a non-thread-safe call raises here
    async with worker(prefix) as first, worker(prefix) as second:
        subscription = second.subscribe("console:queue", 4)
        publisher = threading.Thread(target=first.publish, args=("console:queue",))
        publisher.start()  # as a sync route does from the thread pool
        assert await subscription.wait(WAIT_S) is True
        publisher.join()
        subscription.close()


async def test_redis_events_other_topic_and_other_prefix_not_woken(prefix: str) -> None:
    with key_prefix() as foreign:
        async with worker(prefix) as first, worker(prefix) as second, worker(foreign) as third:
            other_topic = second.subscribe("chat:b", 4)
            other_app = third.subscribe("chat:a", 4)
            same = second.subscribe("chat:a", 4)
            first.publish("chat:a")
            assert await same.wait(WAIT_S) is True
            assert await other_topic.wait(QUIET_S) is False
            assert await other_app.wait(QUIET_S) is False


async def test_redis_events_subscriber_limit_is_per_worker(prefix: str) -> None:
    async with worker(prefix) as first:
        first.subscribe("chat:a", 1)
        with pytest.raises(TooManySubscribers):
            first.subscribe("chat:a", 1)


class _Records(logging.Handler):
    """The module logger's own records: the whole run may leave the logger not propagating
    to caplog's root handler (it hung the run of 2026-12-06 waiting for a record)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def test_redis_events_unavailable_wakes_own_worker_and_logs(
    prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_events, "RECONNECT_MIN_S", 0.01)
    module_logger = logging.getLogger(redis_events.__name__)
    monkeypatch.setattr(module_logger, "disabled", False)
    records = _Records()
    module_logger.addHandler(records)
    level = module_logger.level
    module_logger.setLevel(logging.WARNING)
    try:
        async with worker(prefix, UNREACHABLE_REDIS_URL) as alone:
            subscription = alone.subscribe("chat:a", 4)
            alone.publish("chat:a")
            assert await subscription.wait(WAIT_S) is True  # through the fallback
            alone.publish("chat:a")
            assert await subscription.wait(WAIT_S) is True
            deadline = asyncio.get_running_loop().time() + WAIT_S
            while not any("redis_lost" in m for m in records.messages):  # first failed attempt
                assert asyncio.get_running_loop().time() < deadline, records.messages
                await asyncio.sleep(0.01)
            assert not alone.listening.is_set()
    finally:
        module_logger.removeHandler(records)
        module_logger.setLevel(level)
    failures = [m for m in records.messages if "redis_publish_failed" in m]
    assert len(failures) == 1  # once per outage, not once per publish


async def test_redis_events_listener_reconnects_after_redis_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(redis_events, "RECONNECT_MIN_S", 0.05)
    monkeypatch.setattr(redis_events, "RECONNECT_MAX_S", 0.2)
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        async with worker("p:", server.url) as first, worker("p:", server.url) as second:
            subscription = second.subscribe("chat:a", 4)
            with caplog.at_level(logging.WARNING, logger=redis_events.__name__):
                server.stop()
                while second.listening.is_set():
                    await asyncio.sleep(0.01)
                server.start()
                await asyncio.wait_for(second.listening.wait(), WAIT_S)
                await asyncio.wait_for(first.listening.wait(), WAIT_S)
            assert any("redis_lost" in r.message for r in caplog.records)
            # Back: woken once (what was published meanwhile is lost), then relayed again.
            assert await subscription.wait(WAIT_S) is True
            first.publish("chat:a")
            assert await subscription.wait(WAIT_S) is True
    finally:
        server.stop()


async def test_shared_live_events_installs_redis_for_the_lifespan(prefix: str) -> None:
    before = get_live_events()
    async with shared_live_events(REDIS_URL, prefix):
        during = get_live_events()
        assert isinstance(during, RedisEvents) and during.channel == f"{prefix}live"
    assert get_live_events() is before
    async with shared_live_events(None, prefix):  # no Redis: in-process, as before
        assert get_live_events() is before
    assert isinstance(before, InProcessEvents) and not isinstance(before, RedisEvents)


async def test_redis_events_publish_after_stop_stays_in_process(prefix: str) -> None:
    channel = RedisEvents(REDIS_URL, prefix)
    await channel.start()
    await channel.stop()
    subscription = channel.subscribe("chat:a", 4)
    channel.publish("chat:a")
    assert await subscription.wait(WAIT_S) is True

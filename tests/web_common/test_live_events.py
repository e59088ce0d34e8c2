"""The in-process live channel: a publish from any thread wakes the topic's subscribers only,
and a topic takes a bounded number of subscribers."""

from __future__ import annotations

import asyncio
import threading

import pytest

from web_common.live_events import InProcessEvents, TooManySubscribers

WAIT_S = 5.0


async def test_live_events_publish_from_a_thread_wakes_subscriber() -> None:
    asyncio.get_running_loop().set_debug(True)  # a non-thread-safe wake-up raises here
    channel = InProcessEvents()
    subscription = channel.subscribe("chat:a", 2)
    # As a sync route does from the thread pool, while the subscriber waits.
    publisher = threading.Timer(0.05, channel.publish, args=("chat:a",))
    publisher.start()
    assert await subscription.wait(WAIT_S) is True
    publisher.join()
    subscription.close()


async def test_live_events_other_topic_not_woken() -> None:
    channel = InProcessEvents()
    subscription = channel.subscribe("chat:a", 2)
    channel.publish("chat:b")
    assert await subscription.wait(0.05) is False
    subscription.close()


async def test_live_events_subscribe_beyond_limit_refused() -> None:
    channel = InProcessEvents()
    first = channel.subscribe("chat:a", 1)
    with pytest.raises(TooManySubscribers):
        channel.subscribe("chat:a", 1)
    first.close()
    channel.subscribe("chat:a", 1).close()  # a place freed by a close is free again
    assert channel.count("chat:a") == 0


async def test_live_events_close_is_idempotent() -> None:
    channel = InProcessEvents()
    subscription = channel.subscribe("chat:a", 1)
    other = channel.subscribe("chat:b", 1)
    subscription.close()
    subscription.close()
    assert channel.count("chat:a") == 0
    assert channel.count("chat:b") == 1
    other.close()

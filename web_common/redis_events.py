"""Live events across web workers and replicas: Redis pub/sub behind the in-process channel.

:class:`RedisEvents` keeps its subscribers in the process, as :class:`InProcessEvents` does,
but a publish goes to one Redis channel (``<prefix>live``, the topic as message) that every
worker listens to; each worker's listener wakes its own subscribers of that topic, so an
agent's reply written through worker A reaches a widget streaming from worker B. One channel
for all topics: notifications are a few bytes and carry no data, and a worker filters them
with a dictionary look-up; no per-topic subscription to keep in step through reconnections.

The listener is a task of the app's event loop (:func:`shared_live_events` in the lifespan).
When Redis goes away it logs, retries with a doubling back-off (:data:`RECONNECT_MIN_S` to
:data:`RECONNECT_MAX_S`), and never stops the app: meanwhile a publish that cannot reach
Redis still wakes the subscribers of its own worker, and the streams re-read their state
every ``RECHECK_S`` anyway. On each (re)connection every local subscriber is woken once,
since events published during the gap are lost: a wake-up only makes a stream re-read.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
import redis.asyncio

from web_common.live_events import InProcessEvents, get_live_events, set_live_events

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 2.0  # connect timeout, and read timeout of a publish
RECONNECT_MIN_S = 0.5  # first wait before reconnecting the listener, doubled at each failure
RECONNECT_MAX_S = 30.0
HEALTH_CHECK_S = 10.0  # the listener's connection is pinged when idle this long
POLL_S = 1.0  # the listener's longest wait for a message before checking its connection
STOP_TIMEOUT_S = 2.0  # the longest wait at shutdown for publishes in flight


class RedisEvents(InProcessEvents):
    """Subscribers in this process, notifications through Redis to every process."""

    def __init__(self, url: str, key_prefix: str) -> None:
        super().__init__()
        self.url = url
        self.channel = f"{key_prefix}live"
        self.listening = asyncio.Event()  # set while the listener is subscribed
        self._client: redis.asyncio.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: asyncio.Task[None] | None = None
        self._in_flight: set[concurrent.futures.Future[None]] = set()
        self._redis_down = False  # a publish failed: logged once until one succeeds
        self._was_connected = False  # the listener's last connection got subscribed

    async def start(self) -> None:
        """Connect lazily and start the listener (from the event loop that will serve)."""
        self._loop = asyncio.get_running_loop()
        self._client = redis.asyncio.Redis.from_url(
            self.url,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            socket_keepalive=True,
            health_check_interval=HEALTH_CHECK_S,
            decode_responses=True,
        )
        self._listener = asyncio.create_task(self._listen(), name="live-events-redis")

    async def stop(self) -> None:
        """Send the publishes in flight, stop the listener, close the connections."""
        self._loop = None  # later publishes stay in the process
        if self._in_flight:
            pending = [asyncio.wrap_future(f) for f in list(self._in_flight)]
            await asyncio.wait(pending, timeout=STOP_TIMEOUT_S)
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def publish(self, topic: str) -> None:
        """Send ``topic`` to every worker through Redis; callable from any thread, never
        raises, never blocks (the send runs on the app's loop)."""
        loop = self._loop
        if loop is None:  # not started, or stopped: this process only
            super().publish(topic)
            return
        send = self._send(topic)
        try:
            future = asyncio.run_coroutine_threadsafe(send, loop)
        except RuntimeError:  # the loop is closed: the app is stopping
            send.close()
            super().publish(topic)
            return
        self._in_flight.add(future)
        future.add_done_callback(self._in_flight.discard)

    async def _send(self, topic: str) -> None:
        assert self._client is not None  # started before the loop runs a send
        try:
            await asyncio.wait_for(self._client.publish(self.channel, topic), REDIS_TIMEOUT_S)
        except (redis.RedisError, OSError, TimeoutError) as exc:
            if not self._redis_down:
                self._redis_down = True
                logger.warning(
                    "live_events.redis_publish_failed channel=%s error=%r: this worker's "
                    "subscribers only until Redis answers",
                    self.channel,
                    exc,
                )
            super().publish(topic)
            return
        self._redis_down = False

    async def _listen(self) -> None:
        """Listen to the channel for the app's lifetime, reconnecting with a back-off."""
        delay = RECONNECT_MIN_S
        while True:
            try:
                await self._listen_once()
            except (redis.RedisError, OSError, TimeoutError) as exc:
                error: BaseException = exc
            except Exception as exc:  # a bug must not end live events for good: log, retry
                logger.exception("live_events.listener_error channel=%s", self.channel)
                error = exc
            if self._was_connected:
                delay = RECONNECT_MIN_S
            logger.warning(
                "live_events.redis_lost channel=%s error=%r: reconnecting in %.1f s",
                self.channel,
                error,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def _listen_once(self) -> None:
        """One connection: subscribe, wake every local subscriber, relay until it fails."""
        assert self._client is not None
        self._was_connected = False
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            self._was_connected = True
            self.listening.set()
            logger.info("live_events.redis_listening channel=%s", self.channel)
            self.wake_all()  # what was published while nobody listened is lost
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_S)
                if message is not None and isinstance(message.get("data"), str):
                    InProcessEvents.publish(self, message["data"])
        finally:
            self.listening.clear()
            with contextlib.suppress(Exception):  # the connection may be gone already
                await pubsub.aclose()

    def wake_all(self) -> None:
        """Wake every subscriber of this process once (they re-read their state)."""
        with self._lock:
            topics = list(self._topics)
        for topic in topics:
            InProcessEvents.publish(self, topic)


@asynccontextmanager
async def shared_live_events(url: str | None, key_prefix: str) -> AsyncIterator[None]:
    """For an app's lifespan: with ``url``, the process's live events go through Redis until
    the app stops; without, nothing changes (one worker, in-process)."""
    if url is None:
        yield
        return
    channel = RedisEvents(url, key_prefix)
    previous = get_live_events()
    await channel.start()
    set_live_events(channel)
    try:
        yield
    finally:
        set_live_events(previous)
        await channel.stop()

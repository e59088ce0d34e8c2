"""Live notifications between the parts of the web app: « something changed on this topic ».

A topic is a string (``chat:<session id>`` for a chat conversation; ``console:ticket:<id>``
and ``console:queue`` for the agents' console). Publishers say that a topic changed;
subscribers wake up and read the new state from the database themselves, so a notification
carries no data and several notifications may coalesce into one wake-up.

:class:`LiveEvents` is the interface; :class:`InProcessEvents` serves one web-app worker
(subscribers and publishers in the same process, publishers possibly in worker threads).
Several workers need a shared channel (Redis pub/sub or PostgreSQL ``LISTEN/NOTIFY``): write
that class and give it to :func:`set_live_events` at start-up; nothing else changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict
from typing import Protocol


class TooManySubscribers(Exception):
    """The topic already has as many subscribers as allowed."""


class Subscription(Protocol):
    async def wait(self, timeout_s: float) -> bool:
        """Wait until the topic is notified (True) or ``timeout_s`` passes (False)."""
        ...

    def close(self) -> None:
        """Stop listening (idempotent)."""
        ...


class LiveEvents(Protocol):
    def publish(self, topic: str) -> None:
        """Wake every subscriber of ``topic``; callable from any thread, never raises."""
        ...

    def subscribe(self, topic: str, limit: int) -> Subscription:
        """Listen to ``topic``; raises :class:`TooManySubscribers` when it already has
        ``limit`` subscribers. Call from the event loop that will wait on it."""
        ...


class _LocalSubscription:
    def __init__(self, owner: InProcessEvents, topic: str) -> None:
        self._owner = owner
        self.topic = topic
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()
        self._closed = False

    async def wait(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self.event.wait(), timeout_s)
        except TimeoutError:
            return False
        self.event.clear()
        return True

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._owner.remove(self)


class InProcessEvents:
    """Subscribers in this process only (one web-app worker)."""

    def __init__(self) -> None:
        self._topics: dict[str, set[_LocalSubscription]] = defaultdict(set)
        self._lock = threading.Lock()

    def subscribe(self, topic: str, limit: int) -> Subscription:
        subscription = _LocalSubscription(self, topic)
        with self._lock:
            if len(self._topics[topic]) >= limit:
                raise TooManySubscribers(topic)
            self._topics[topic].add(subscription)
        return subscription

    def publish(self, topic: str) -> None:
        with self._lock:
            subscribers = list(self._topics.get(topic, ()))
        for subscription in subscribers:
            with contextlib.suppress(RuntimeError):  # its event loop is closed: it is gone
                subscription.loop.call_soon_threadsafe(subscription.event.set)

    def remove(self, subscription: _LocalSubscription) -> None:
        with self._lock:
            subscribers = self._topics.get(subscription.topic)
            if subscribers is None:
                return
            subscribers.discard(subscription)
            if not subscribers:
                del self._topics[subscription.topic]

    def count(self, topic: str) -> int:
        """How many subscribers ``topic`` has now."""
        with self._lock:
            return len(self._topics.get(topic, ()))


_live_events: LiveEvents = InProcessEvents()


def get_live_events() -> LiveEvents:
    """The process's channel (in-process unless :func:`set_live_events` replaced it)."""
    return _live_events


def set_live_events(channel: LiveEvents) -> None:
    """Replace the channel (at start-up, before any subscriber)."""
    global _live_events
    _live_events = channel


def chat_topic(session_id: str) -> str:
    """The topic of a chat conversation: agents' replies and changes of its support exchange."""
    return f"chat:{session_id}"


CONSOLE_QUEUE_TOPIC = "console:queue"
"""The topic of the agents' queue: any ticket created or changed, any message added."""


def console_ticket_topic(ticket_id: int) -> str:
    """The topic of one ticket in the agents' console: its changes and new messages."""
    return f"console:ticket:{ticket_id}"

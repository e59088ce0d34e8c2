"""A small in-process sliding-window rate limiter (one web-app worker).

Several workers share theirs in Redis (:mod:`web_common.redis_rate_limit`): the app puts a
factory in ``state.limiter_factory`` and :func:`app_limiter` builds every limiter with it.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from threading import Lock
from typing import Any

WINDOW_S = 60.0

# Builds the limiter ``name`` allowing ``limit`` events a window (``state.limiter_factory``).
LimiterFactory = Callable[[str, int], "RateLimiter"]


class RateLimiter:
    """Allow at most ``limit`` events per key in any ``window_s`` seconds."""

    def __init__(self, limit: int, window_s: float = WINDOW_S) -> None:
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = Lock()

    def allow(
        self,
        key: str,
        now: float | None = None,  # pragma: no mutate (annotation)
    ) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events[key]
            self._drop_expired(events, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 50_000:
                self._evict(now)
            return True

    def retry_after(
        self,
        key: str,
        now: float | None = None,  # pragma: no mutate (annotation)
    ) -> int:
        """Whole seconds until ``key`` may send again (0 when it may now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.get(key)
            if events:
                self._drop_expired(events, now)
            if not events or len(events) < self.limit:
                return 0
            return math.ceil(events[0] + self.window_s - now)  # > 0 once expired ones are gone

    def _drop_expired(self, events: deque[float], now: float) -> None:
        """Forget the events of ``events`` (oldest first) that left the window at ``now``."""
        while events and now - events[0] >= self.window_s:
            events.popleft()

    def _evict(self, now: float) -> None:
        stale = [k for k, ev in self._events.items() if not ev or now - ev[-1] >= self.window_s]
        for key in stale:
            del self._events[key]


def app_limiter(state: Any, name: str, limit: int) -> RateLimiter:
    """The limiter ``name`` of an application (its ``app.state``), made on first use.

    The one way every route gets its limiter: each lives in ``state.rate_limiters`` under its
    name (``session`` and ``client`` for the chat, ``login``, ``support_form``,
    ``agent_login``), so tests can put a clocked one in its place. ``state.limiter_factory``,
    when the app set one, builds them (shared across workers); else each is in-process.
    """
    limiters: dict[str, RateLimiter] | None = getattr(state, "rate_limiters", None)
    if limiters is None:
        limiters = {}
        state.rate_limiters = limiters
    limiter = limiters.get(name)
    if limiter is None:
        factory: LimiterFactory | None = getattr(state, "limiter_factory", None)
        limiter = limiters[name] = factory(name, limit) if factory else RateLimiter(limit)
    return limiter

"""A rate limiter on a hand-driven clock, for route tests at the window boundary (no sleeps)."""

from __future__ import annotations

from dataclasses import dataclass

from web_common.rate_limit import WINDOW_S, RateLimiter


@dataclass
class FakeClock:
    """Seconds on a monotonic clock that only moves when a test says so."""

    now: float = 1000.0

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ClockedLimiter(RateLimiter):
    """The real :class:`RateLimiter`, reading ``clock`` when the caller passes no ``now``."""

    def __init__(self, limit: int, clock: FakeClock, window_s: float = WINDOW_S) -> None:
        super().__init__(limit, window_s)
        self.clock = clock

    def allow(self, key: str, now: float | None = None) -> bool:
        return super().allow(key, self.clock.now if now is None else now)

    def retry_after(self, key: str, now: float | None = None) -> int:
        return super().retry_after(key, self.clock.now if now is None else now)

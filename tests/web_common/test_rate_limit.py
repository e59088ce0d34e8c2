"""The sliding-window rate limiter: the limit, the window boundary, Retry-After, eviction.

Time is passed explicitly (``now``): no sleeps, no timed assertions.
"""

from __future__ import annotations

import pytest

from web_common.rate_limit import WINDOW_S, RateLimiter

EPSILON = 1e-6


def test_rate_limiter_blocks_past_limit_then_recovers() -> None:
    limiter = RateLimiter(limit=2, window_s=60)
    assert limiter.allow("s", now=0) and limiter.allow("s", now=1)
    assert not limiter.allow("s", now=2)
    assert limiter.allow("other", now=2)
    assert limiter.allow("s", now=61)


def test_rate_limiter_allows_exactly_limit_events_in_a_window() -> None:
    limiter = RateLimiter(limit=3, window_s=10)
    assert [limiter.allow("k", now=0.0) for _ in range(5)] == [True, True, True, False, False]


def test_rate_limiter_default_window_is_one_minute() -> None:
    limiter = RateLimiter(limit=1)
    assert limiter.window_s == WINDOW_S == 60.0
    assert limiter.allow("k", now=0.0)
    assert not limiter.allow("k", now=60.0 - EPSILON)
    assert limiter.allow("k", now=60.0)


def test_rate_limiter_window_boundary_exactly_window_later_is_allowed() -> None:
    limiter = RateLimiter(limit=2, window_s=30)
    assert limiter.allow("k", now=100.0) and limiter.allow("k", now=105.0)
    assert not limiter.allow("k", now=130.0 - EPSILON)  # the event of 100 still counts
    assert limiter.allow("k", now=130.0)  # it left the window: one slot again
    assert not limiter.allow("k", now=130.0)
    assert not limiter.allow("k", now=135.0 - EPSILON)
    assert limiter.allow("k", now=135.0)


def test_rate_limiter_refused_attempts_are_not_counted() -> None:
    """Refusals do not push the window: a client hammering a full window is not locked out."""
    limiter = RateLimiter(limit=1, window_s=60)
    assert limiter.allow("k", now=0.0)
    assert not any(limiter.allow("k", now=float(t)) for t in range(1, 60))
    assert limiter.allow("k", now=60.0)


def test_rate_limiter_keys_are_independent() -> None:
    limiter = RateLimiter(limit=1, window_s=60)
    assert limiter.allow("session-a", now=0.0)
    assert not limiter.allow("session-a", now=1.0)
    assert limiter.allow("session-b", now=1.0)
    assert limiter.retry_after("session-c", now=1.0) == 0
    assert limiter.retry_after("session-a", now=1.0) == 59


def test_rate_limiter_zero_limit_refuses_everything() -> None:
    limiter = RateLimiter(limit=0, window_s=60)
    assert not limiter.allow("k", now=0.0)
    assert limiter.retry_after("k", now=0.0) == 0  # nothing to wait for: it never opens


def test_rate_limiter_retry_after_is_zero_below_the_limit() -> None:
    limiter = RateLimiter(limit=2, window_s=60)
    assert limiter.retry_after("k", now=0.0) == 0  # never seen
    limiter.allow("k", now=0.0)
    assert limiter.retry_after("k", now=1.0) == 0  # one slot left


@pytest.mark.parametrize(
    ("now", "expected"),
    [(10.0, 50), (10.5, 50), (59.0, 1), (59.5, 1), (60.0 - EPSILON, 1), (0.0, 60)],
)
def test_rate_limiter_retry_after_counts_whole_seconds_up(now: float, expected: int) -> None:
    limiter = RateLimiter(limit=1, window_s=60)
    assert limiter.allow("k", now=0.0)
    assert limiter.retry_after("k", now=now) == expected


def test_rate_limiter_retry_after_waits_for_the_oldest_event() -> None:
    limiter = RateLimiter(limit=2, window_s=60)
    limiter.allow("k", now=0.0)
    limiter.allow("k", now=30.0)
    assert limiter.retry_after("k", now=40.0) == 20
    assert limiter.allow("k", now=60.0)  # the event of 0 left: the next one to leave is 30
    assert limiter.retry_after("k", now=70.0) == 20


def test_rate_limiter_retry_after_is_zero_once_the_window_passed() -> None:
    """« 0 when it may now »: expired events do not count, even before the next ``allow``."""
    limiter = RateLimiter(limit=1, window_s=60)
    limiter.allow("k", now=0.0)
    assert limiter.retry_after("k", now=60.0) == 0
    assert limiter.retry_after("k", now=1000.0) == 0
    assert limiter.allow("k", now=1000.0)


def test_rate_limiter_retry_after_agrees_with_allow() -> None:
    """Waiting exactly ``retry_after`` seconds is always enough, one second less never is."""
    limiter = RateLimiter(limit=3, window_s=60)
    for t in (0.0, 12.5, 40.0):
        limiter.allow("k", now=t)
    for now in (41.0, 50.25, 59.0):
        wait = limiter.retry_after("k", now=now)
        probe = RateLimiter(limit=3, window_s=60)
        for t in (0.0, 12.5, 40.0):
            probe.allow("k", now=t)
        assert not probe.allow("k", now=now + wait - 1)
        assert probe.allow("k", now=now + wait)


def test_rate_limiter_real_clock_by_default() -> None:
    """Without ``now`` the monotonic clock is used (a one-minute window cannot pass here)."""
    limiter = RateLimiter(limit=1)
    assert limiter.allow("k")
    assert not limiter.allow("k")
    assert 1 <= limiter.retry_after("k") <= 60
    assert limiter.retry_after("other") == 0


def test_rate_limiter_eviction_forgets_stale_keys_past_50000() -> None:
    """Past 50 000 keys, those whose last event left the window are dropped (memory bound)."""
    limiter = RateLimiter(limit=1, window_s=60)
    for i in range(49_999):
        limiter.allow(f"k{i}", now=0.0)
    assert limiter.allow("fresh-1", now=60.0)
    assert len(limiter._events) == 50_000  # not above the bound yet: nothing evicted
    assert limiter.allow("fresh-2", now=60.0)
    # Above it: every key last seen exactly a window ago goes, the fresh ones stay.
    assert sorted(limiter._events) == ["fresh-1", "fresh-2"]
    assert not limiter.allow("fresh-1", now=60.0)
    assert limiter.allow("k0", now=60.0)


def test_rate_limiter_eviction_keeps_keys_still_in_their_window() -> None:
    """A key goes only once its *latest* event left the window, however old the first is."""
    limiter = RateLimiter(limit=3, window_s=60)
    for t in (10.0, 40.0, 50.0):
        assert limiter.allow("busy", now=t)
    for i in range(50_000):
        limiter.allow(f"k{i}", now=float(i % 2) * 30.0)  # half at 0, half at 30
    assert limiter.allow("fresh", now=70.0)  # 50 002 keys: eviction
    assert len(limiter._events) == 25_002  # those of 30, « busy » and « fresh » stay
    assert "k1" in limiter._events and "k0" not in limiter._events
    # « busy » still holds its events of 40 and 50: one more now, then it is full.
    assert limiter.allow("busy", now=70.0)
    assert not limiter.allow("busy", now=71.0)


def test_rate_limiter_lowered_limit_applies_at_once() -> None:
    """``limit`` may be lowered on a live limiter: keys already above it wait too."""
    limiter = RateLimiter(limit=3, window_s=60)
    for t in (0.0, 1.0, 2.0):
        assert limiter.allow("k", now=t)
    limiter.limit = 1
    assert not limiter.allow("k", now=10.0)
    assert limiter.retry_after("k", now=10.0) == 50
    assert limiter.allow("k", now=62.0)  # all three left the window

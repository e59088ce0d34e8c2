"""The rate limiter every web worker and replica shares: a sliding window kept in Redis.

Same interface as :class:`~web_common.rate_limit.RateLimiter` (``allow`` and
``retry_after``, optional ``now``): one sorted set per limiter and key, whose members are the
accepted events scored by their time. A Lua script drops the events that left the window,
counts, and records the new one in one atomic step, so two workers cannot both take the last
place. Each key expires one window after its last event (nothing to clean up). Without
``now``, the time is Redis's own clock: one clock for every worker and machine.

When Redis cannot be reached, each worker falls back to its own in-process window (the parent
class), logs it once, and tries Redis again after :data:`REDIS_RETRY_S`. This fails neither
open nor closed, on purpose: closed would refuse every chat message and login while Redis is
down, though answering needs no Redis; open would lift the brute-force bound on the login
forms. Per worker, a client gets at most ``limit`` times the number of workers, still a bound.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

import redis

from web_common.rate_limit import WINDOW_S, RateLimiter

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 0.5  # connect and read timeout of one call: a request never waits longer
REDIS_RETRY_S = 5.0  # after a failure, the per-worker window serves this long before a retry

# KEYS[1]: the key's sorted set. ARGV: limit, window (s), now (s, or "" for Redis's clock),
# "allow" or "retry", a unique member for the new event. "allow" returns 1 (recorded) or 0
# (refused, not recorded); "retry" returns the whole seconds until the key may send again.
SLIDING_WINDOW = """
local key, limit, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function exact(x) return string.format('%.17g', x) end  -- not Lua's 14 digits
redis.call('ZREMRANGEBYSCORE', key, '-inf', exact(now - window))
local count = redis.call('ZCARD', key)
if ARGV[4] == 'allow' then
  if count >= limit then return 0 end
  redis.call('ZADD', key, exact(now), ARGV[5])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  return 1
end
if count == 0 or count < limit then return 0 end
-- the event whose leaving brings the count below the limit
local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return math.ceil(tonumber(freeing[2]) + window - now)
"""


def redis_client(url: str) -> redis.Redis:
    """A thread-safe client (pool) for the limiters; it connects on first use."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_S,
        socket_timeout=REDIS_TIMEOUT_S,
        decode_responses=True,
    )


class RedisRateLimiter(RateLimiter):
    """Allow at most ``limit`` events per key in any ``window_s`` seconds, across processes."""

    def __init__(
        self, client: redis.Redis, key_prefix: str, limit: int, window_s: float = WINDOW_S
    ) -> None:
        super().__init__(limit, window_s)
        self.key_prefix = key_prefix
        self._script = client.register_script(SLIDING_WINDOW)
        self._redis_down_until = 0.0  # time.monotonic(): until then, the in-process window
        self._state_lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        answer = self._run(key, now, "allow")
        return super().allow(key, now) if answer is None else answer == 1

    def retry_after(self, key: str, now: float | None = None) -> int:
        answer = self._run(key, now, "retry")
        return super().retry_after(key, now) if answer is None else answer

    def _run(self, key: str, now: float | None, mode: str) -> int | None:
        """The script's answer, or None when Redis is unavailable (the caller falls back)."""
        if time.monotonic() < self._redis_down_until:
            return None
        args = [self.limit, self.window_s, "" if now is None else now, mode, secrets.token_hex(8)]
        try:
            answer = int(self._script(keys=[self.key_prefix + key], args=args))
        except (redis.RedisError, OSError) as exc:
            self._mark_down(exc)
            return None
        self._mark_up()
        return answer

    def _mark_down(self, exc: BaseException) -> None:
        with self._state_lock:
            first = self._redis_down_until == 0.0
            self._redis_down_until = time.monotonic() + REDIS_RETRY_S
        if first:
            logger.warning(
                "rate_limit.redis_unavailable prefix=%s error=%r: per-worker limits until it "
                "answers again",
                self.key_prefix,
                exc,
            )

    def _mark_up(self) -> None:
        if self._redis_down_until == 0.0:
            return
        with self._state_lock:
            self._redis_down_until = 0.0
        logger.warning("rate_limit.redis_back prefix=%s: shared limits again", self.key_prefix)


class RedisLimiterFactory:
    """``state.limiter_factory`` of an app whose limiters live in Redis (one client for all)."""

    def __init__(self, url: str, key_prefix: str) -> None:
        self.client = redis_client(url)
        self.key_prefix = key_prefix

    def __call__(self, name: str, limit: int) -> RateLimiter:
        return RedisRateLimiter(self.client, f"{self.key_prefix}rate:{name}:", limit)

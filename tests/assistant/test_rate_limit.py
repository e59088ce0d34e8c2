from assistant.chat.rate_limit import RateLimiter


def test_rate_limiter_blocks_past_limit_then_recovers() -> None:
    limiter = RateLimiter(limit=2, window_s=60)
    assert limiter.allow("s", now=0) and limiter.allow("s", now=1)
    assert not limiter.allow("s", now=2)
    assert limiter.allow("other", now=2)
    assert limiter.allow("s", now=61)

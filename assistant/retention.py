"""The chat's retention in the web app: purge the expired turns at start-up, then daily.

The purge (:func:`portal.conversations.retention.purge_expired_turns`) runs in a thread, so
requests are never blocked; a failure is logged and retried at the next run.
"""

from __future__ import annotations

import asyncio
import logging

from portal.conversations.retention import purge_expired_turns
from storage.db import get_sessionmaker

logger = logging.getLogger(__name__)

PURGE_INTERVAL_S = 24 * 3600  # once a day: the retention is counted in days


def purge_once() -> int:
    """Delete the expired turns now; returns how many, and logs it."""
    with get_sessionmaker()() as session:
        count = purge_expired_turns(session)
    logger.info("chat.retention.purged count=%d", count)
    return count


async def purge_periodically(interval_s: float = PURGE_INTERVAL_S) -> None:
    """Purge now, then every ``interval_s`` seconds, until cancelled."""
    while True:
        try:
            await asyncio.to_thread(purge_once)
        except Exception:  # a database hiccup must not end the loop nor the app
            logger.exception("chat.retention.failed")
        await asyncio.sleep(interval_s)

"""The chat's retention in the web app: purge the expired turns at start-up, then daily.

One purge (:func:`purge_once`) deletes the turns older than the retention
(:func:`portal.conversations.retention.purge_expired_turns`) and, with the same cut-off, the
events of Rasa's tracker store (:mod:`assistant.tracker_retention`). It runs in a thread, so
requests are never blocked; a failure is logged and retried at the next run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from assistant.tracker_retention import purge_tracker_events, tracker_store_url
from portal.conversations.retention import purge_expired_turns, retention_cutoff
from storage.db import get_sessionmaker

logger = logging.getLogger(__name__)

PURGE_INTERVAL_S = 24 * 3600  # once a day: the retention is counted in days


@dataclass(frozen=True)
class PurgeResult:
    """What one purge deleted: turns, and tracker events (None: no tracker store to purge)."""

    turns: int
    tracker_events: int | None


def purge_once() -> PurgeResult:
    """Delete the expired turns and tracker events now; returns how many, and logs them."""
    now = dt.datetime.now(dt.UTC)
    with get_sessionmaker()() as session:
        count = purge_expired_turns(session, now=now)
    logger.info("chat.retention.purged count=%d", count)
    events = purge_tracker_events(tracker_store_url(), retention_cutoff(now).timestamp())
    return PurgeResult(turns=count, tracker_events=events)


async def purge_periodically(interval_s: float = PURGE_INTERVAL_S) -> None:
    """Purge now, then every ``interval_s`` seconds, until cancelled."""
    while True:
        try:
            await asyncio.to_thread(purge_once)
        except Exception:  # a database hiccup must not end the loop nor the app
            logger.exception("chat.retention.failed")
        await asyncio.sleep(interval_s)

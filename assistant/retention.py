"""Retention in the web app: purge what has expired at start-up, then daily.

One purge (:func:`purge_once`) deletes the chat's turns older than their retention
(:func:`portal.conversations.retention.purge_expired_turns`) and, with the same cut-off, the
events of Rasa's tracker store (:mod:`assistant.tracker_retention`): :func:`purge_chat`; then
the support tickets ended longer ago than theirs, with their messages, events and e-mails
(:func:`support_tickets.retention.purge_expired_tickets`). It runs in a thread, so requests
are never blocked; a failure is logged and retried at the next run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from assistant.tracker_retention import purge_tracker_events, tracker_store_url
from portal.conversations.retention import purge_expired_turns, retention_cutoff
from storage.db import get_sessionmaker
from support_tickets.retention import TicketPurge, purge_expired_tickets

logger = logging.getLogger(__name__)

PURGE_INTERVAL_S = 24 * 3600  # once a day: the retention is counted in days


@dataclass(frozen=True)
class PurgeResult:
    """What one purge deleted: turns, tracker events (None: no tracker store to purge) and,
    when tickets were purged too, tickets and incidents (None: not purged)."""

    turns: int
    tracker_events: int | None
    tickets: TicketPurge | None = None


def purge_chat(now: dt.datetime | None = None) -> PurgeResult:
    """Delete the expired turns and tracker events now; returns how many, and logs them."""
    now = now or dt.datetime.now(dt.UTC)
    with get_sessionmaker()() as session:
        count = purge_expired_turns(session, now=now)
    logger.info("chat.retention.purged count=%d", count)
    events = purge_tracker_events(tracker_store_url(), retention_cutoff(now).timestamp())
    return PurgeResult(turns=count, tracker_events=events)


def purge_tickets(now: dt.datetime | None = None) -> TicketPurge:
    """Delete the expired tickets now (logged by the purge itself)."""
    with get_sessionmaker()() as session:
        return purge_expired_tickets(session, now=now)


def purge_once() -> PurgeResult:
    """The daily purge: the chat's turns and tracker events, then the support tickets."""
    now = dt.datetime.now(dt.UTC)
    try:
        chat = purge_chat(now)
    finally:  # the tickets' purge runs even when the chat's failed (that error then goes on)
        tickets = purge_tickets(now)
    return PurgeResult(chat.turns, chat.tracker_events, tickets)


async def purge_periodically(interval_s: float = PURGE_INTERVAL_S) -> None:
    """Purge now, then every ``interval_s`` seconds, until cancelled."""
    while True:
        try:
            await asyncio.to_thread(purge_once)
        except Exception:  # a database hiccup must not end the loop nor the app
            logger.exception("chat.retention.failed")
        await asyncio.sleep(interval_s)

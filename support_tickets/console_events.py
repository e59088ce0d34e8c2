"""The console's live line: ``GET /console/api/events`` (the queue) and
``GET /console/api/events?ticket=<id>`` (one ticket), server-sent events for agents.

Each stream sends ``version`` (``{"version": …}``, the same value as ``/console/api/version``)
at once, then whenever it changes; the page's script refreshes what changed, as it does when
its polling of ``/console/api/version`` (the fallback without ``EventSource``) sees a new
version. The stream wakes up when its topic is notified (:mod:`web_common.live_events`:
:data:`~web_common.live_events.CONSOLE_QUEUE_TOPIC`,
:func:`~web_common.live_events.console_ticket_topic`), and every :data:`RECHECK_S` anyway.

The notifications come from :func:`notify_committed_changes`: once a database session commits
a change to a ticket, its messages or its events (a requester's message from the chat, an
agent's reply, a status), the ticket's topic and the queue's are notified, whichever code
made the change. The agent's session is checked again at each read: a stream ends with it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator
from itertools import chain
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction
from sse_starlette import EventSourceResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from storage.db import get_sessionmaker
from support_tickets.auth import session_for_token
from support_tickets.console_queue import (
    NOT_LOGGED_IN,
    REFRESH_INTERVAL_S,
    queue_version,
    ticket_version,
)
from support_tickets.models import Ticket, TicketEvent, TicketMessage
from support_tickets.validation import parse_row_id
from support_tickets.web_auth import session_token
from web_common.live_events import (
    CONSOLE_QUEUE_TOPIC,
    LiveEvents,
    Subscription,
    TooManySubscribers,
    console_ticket_topic,
    get_live_events,
)

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/console", include_in_schema=False)

MAX_QUEUE_STREAMS = 200
"""Live streams open at once on the queue (all agents' tabs); one more is refused (429) and
that page polls instead."""
MAX_TICKET_STREAMS = 20
"""Live streams open at once on one ticket; one more is refused (429): that page polls."""
KEEPALIVE_S = 15.0
"""Seconds between keep-alive comments, so that proxies keep an idle stream open."""
RECHECK_S = float(REFRESH_INTERVAL_S)
"""Seconds after which a stream reads the version without being notified (a change made by
another process: the action server, another web-app worker): never later than the polling."""
TICKET_NOT_FOUND = "Ticket introuvable."
TOO_MANY_STREAMS = (
    "Trop de pages de la console sont suivies en direct : celle-ci s'actualisera moins souvent."
)
_PENDING = "console_events.tickets"  # Session.info key: tickets changed since the last commit


# --- notifications ----------------------------------------------------------------------


def _collect_changed_tickets(session: Session, _flush: UOWTransaction) -> None:
    """After a flush: remember which tickets the flushed rows belong to."""
    changed: set[int] = session.info.setdefault(_PENDING, set())
    for row in chain(session.new, session.dirty, session.deleted):
        if isinstance(row, Ticket):
            changed.add(row.id)
        elif isinstance(row, (TicketMessage, TicketEvent)):
            changed.add(row.ticket_id)


def _publish_committed(session: Session) -> None:
    """After a commit: notify the topics of the tickets it changed, and the queue's."""
    changed: set[int | None] = session.info.pop(_PENDING, set())
    if not changed:
        return
    channel = get_live_events()
    for ticket_id in sorted(t for t in changed if t is not None):
        channel.publish(console_ticket_topic(ticket_id))
    channel.publish(CONSOLE_QUEUE_TOPIC)


def _forget_rolled_back(session: Session, _previous: Any = None) -> None:
    session.info.pop(_PENDING, None)


def notify_committed_changes() -> None:
    """Notify the console's topics on every commit that changes tickets (idempotent: every
    SQLAlchemy session of the process, from start-up on)."""
    hooks = (
        ("after_flush", _collect_changed_tickets),
        ("after_commit", _publish_committed),
        ("after_rollback", _forget_rolled_back),
    )
    for name, hook in hooks:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


# --- the stream -------------------------------------------------------------------------


def read_version(token: str | None, ticket_id: int | None) -> str | None:
    """The version of the queue (``ticket_id`` None) or of the ticket; None when the agent's
    session is over or the ticket is gone. Reads in a database session of its own."""
    with get_sessionmaker()() as db:
        if session_for_token(db, token) is None:
            return None
        return queue_version(db) if ticket_id is None else ticket_version(db, ticket_id)


async def version_events(
    token: str | None, ticket_id: int | None, subscription: Subscription
) -> AsyncGenerator[dict[str, str], None]:
    """The stream's events, until the client goes or the agent's session ends (the
    subscription is then closed)."""
    sent: str | None = None
    try:
        while True:
            version = await run_in_threadpool(read_version, token, ticket_id)
            if version is None:
                return
            if version != sent:
                sent = version
                yield {"event": "version", "data": json.dumps({"version": version})}
            await subscription.wait(RECHECK_S)
    finally:
        subscription.close()


def _check(token: str | None, ticket: str | None) -> tuple[int | None, JSONResponse | None]:
    """The ticket's id (None for the queue), or the refusal: no agent session, no ticket."""
    with get_sessionmaker()() as db:
        if session_for_token(db, token) is None:
            return None, JSONResponse({"detail": NOT_LOGGED_IN}, status_code=401)
        if ticket is None:
            return None, None
        ticket_id = parse_row_id(ticket)
        if ticket_id is None or ticket_version(db, ticket_id) is None:
            return None, JSONResponse({"detail": TICKET_NOT_FOUND}, status_code=404)
        return ticket_id, None


def _subscribe(channel: LiveEvents, ticket_id: int | None) -> Subscription:
    if ticket_id is None:
        return channel.subscribe(CONSOLE_QUEUE_TOPIC, MAX_QUEUE_STREAMS)
    return channel.subscribe(console_ticket_topic(ticket_id), MAX_TICKET_STREAMS)


@router.get("/api/events", response_model=None)
async def console_events(
    request: Request, ticket: Annotated[str | None, Query(max_length=16)] = None
) -> EventSourceResponse | JSONResponse:
    """Server-sent ``version`` events of the queue, or of one ticket with ``?ticket=<id>``
    (agents only: the console's session cookie)."""
    token = session_token(request)
    ticket_id, refusal = await run_in_threadpool(_check, token, ticket)
    if refusal is not None:
        return refusal
    try:
        subscription = _subscribe(get_live_events(), ticket_id)
    except TooManySubscribers:
        logger.warning("console.live_refused ticket=%s reason=too_many_streams", ticket_id)
        return JSONResponse({"detail": TOO_MANY_STREAMS}, status_code=429)
    return EventSourceResponse(
        version_events(token, ticket_id, subscription),
        ping=KEEPALIVE_S,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        background=BackgroundTask(subscription.close),  # also when the stream never started
    )

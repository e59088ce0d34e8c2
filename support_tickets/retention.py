"""Retention of the support desk: tickets resolved or closed longer ago than
``ticket_retention_days`` are deleted, with everything that hangs off them.

A ticket is due when its status is « résolu » or « clos » and its closure (else its
resolution) is older than the retention. An open ticket (« nouveau », « en cours », « en
attente ») is never deleted, whatever its age; nor is a ticket merged into a ticket still
open (the open one routes its replies to the merged ticket's conversation).

With a due ticket go its messages (the chat transcript copy among them), its audit events
and its e-mails (outbox). Other tickets that point at it (as a duplicate or a merge) keep
their own copies and lose the link. An incident left without any ticket goes too (its
description is its first ticket's); an incident that keeps tickets stays, its counts and
description taken again from the tickets left.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from support_tickets.config import get_support_settings
from support_tickets.incidents import refresh_counts
from support_tickets.models import (
    Incident,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from support_tickets.taxonomy import OPEN_STATUSES, STATUS_CLOSED, STATUS_RESOLVED

logger = logging.getLogger(__name__)

ENDED_STATUSES = (STATUS_RESOLVED, STATUS_CLOSED)
BATCH_SIZE = 500  # ids per DELETE … IN (…): well under SQLite's bound-parameter limit
DAYS_PER_YEAR = 365


@dataclass(frozen=True)
class TicketPurge:
    """What one purge deleted: tickets (with their messages, events and e-mails) and the
    incidents left without any ticket."""

    tickets: int
    incidents: int


def ticket_retention_cutoff(now: dt.datetime | None = None, days: int | None = None) -> dt.datetime:
    """The instant before which an ended ticket has expired."""
    now = now or dt.datetime.now(dt.UTC)
    if days is None:
        days = get_support_settings().ticket_retention_days
    return now - dt.timedelta(days=days)


def retention_label(days: int) -> str:
    """The retention in French words: « 3 ans » for whole years, else « 400 jours »."""
    if days % DAYS_PER_YEAR == 0:
        years = days // DAYS_PER_YEAR
        return "1 an" if years == 1 else f"{years} ans"
    return "1 jour" if days == 1 else f"{days} jours"


def due_ticket_ids(session: Session, cutoff: dt.datetime) -> list[int]:
    """The ids of the tickets ended before ``cutoff`` that may go (see the module's doc)."""
    ended_at = func.coalesce(Ticket.closed_at, Ticket.resolved_at)
    target = aliased(Ticket)
    merged_into_open = exists(
        select(target.id).where(
            target.id == Ticket.merged_into_id, target.status.in_(OPEN_STATUSES)
        )
    )
    query = select(Ticket.id).where(
        Ticket.status.in_(ENDED_STATUSES), ended_at < cutoff, ~merged_into_open
    )
    return list(session.scalars(query.order_by(Ticket.id)))


def _delete_tickets(session: Session, ids: list[int]) -> set[int]:
    """Delete the tickets ``ids`` and their rows; returns the incidents they belonged to."""
    incidents = set(
        session.scalars(
            select(Ticket.incident_id).where(Ticket.id.in_(ids), Ticket.incident_id.is_not(None))
        )
    )
    for table in (TicketMessage, TicketEvent, OutboxMessage):
        session.execute(delete(table).where(table.ticket_id.in_(ids)))
    session.execute(
        update(Ticket).where(Ticket.duplicate_of_id.in_(ids)).values(duplicate_of_id=None)
    )
    session.execute(
        update(Ticket).where(Ticket.merged_into_id.in_(ids)).values(merged_into_id=None)
    )
    session.execute(delete(Ticket).where(Ticket.id.in_(ids)))
    return {i for i in incidents if i is not None}


def _settle_incidents(session: Session, incident_ids: set[int]) -> int:
    """Delete the incidents left without a ticket; recount the others and take their
    description again from their earliest ticket left. Returns how many were deleted."""
    if not incident_ids:
        return 0
    has_ticket = exists(select(Ticket.id).where(Ticket.incident_id == Incident.id))
    emptied = session.execute(delete(Incident).where(Incident.id.in_(incident_ids), ~has_ticket))
    kept = list(session.scalars(select(Incident).where(Incident.id.in_(incident_ids))))
    refresh_counts(session, kept)
    for incident in kept:
        first = session.scalar(
            select(Ticket.description)
            .where(Ticket.incident_id == incident.id)
            .order_by(Ticket.created_at, Ticket.id)
            .limit(1)
        )
        if first is not None:
            incident.description = first
    return int(getattr(emptied, "rowcount", 0) or 0)


def purge_expired_tickets(
    session: Session, now: dt.datetime | None = None, days: int | None = None
) -> TicketPurge:
    """Delete the tickets ended longer ago than the retention (``days``, default: the
    setting) with their rows, settle their incidents, commit; returns what went."""
    ids = due_ticket_ids(session, ticket_retention_cutoff(now, days))
    incidents: set[int] = set()
    for start in range(0, len(ids), BATCH_SIZE):
        incidents |= _delete_tickets(session, ids[start : start + BATCH_SIZE])
    removed = _settle_incidents(session, incidents)
    session.commit()
    session.expire_all()
    logger.info("support.retention.purged tickets=%d incidents=%d", len(ids), removed)
    return TicketPurge(tickets=len(ids), incidents=removed)

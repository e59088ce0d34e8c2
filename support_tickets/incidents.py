"""Incidents: one problem reported by many users, their similar tickets grouped into one.

Whatever the e-mail, an open ticket (not merged) joins an incident when its description is
similar to the incident's (its first ticket's) — lexical cosine ≥ ``incident_min_similarity``
— and it was created at most ``incident_window_hours`` from the incident's latest ticket.
Ungrouped tickets similar to one another make a new incident once they come from
``incident_min_requesters`` distinct e-mails; fewer wait, ungrouped, for more reports.

The lexical similarity is used even when the knowledge base's embedder is built: on the
reports of :mod:`support_tickets.incident_evidence` it separates one problem's reports from
other problems', the static embedder does not (figures in BENCHMARKS.md). An answer to an
incident goes to every user in it, so a wrong grouping costs more than a missed one.

:func:`group_tickets` runs over the ungrouped tickets of the window, in creation order: each
joins the most similar open incident (or forming group) within the window, else starts a new
group. It runs inside the creation of every ticket (:func:`group_on_arrival`, under the lock
that numbering takes), and on demand from the console for tickets created before.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import distinct, func, select, text, update
from sqlalchemy.orm import Session, selectinload

from support_tickets.config import SupportSettings
from support_tickets.events import ACTOR_SYSTEM, record_event
from support_tickets.models import Incident, Ticket, as_utc, utcnow
from support_tickets.similarity import LexicalSimilarity
from support_tickets.taxonomy import OPEN_STATUSES

logger = logging.getLogger(__name__)

INCIDENT_OPEN = "ouvert"
INCIDENT_RESOLVED = "resolu"
INCIDENT_STATUS_LABELS: dict[str, str] = {INCIDENT_OPEN: "Ouvert", INCIDENT_RESOLVED: "Résolu"}
# Newest ungrouped tickets compared in one run: 2,000² float32 cosines take 16 MB.
MAX_GROUPED_TICKETS = 2000
# PostgreSQL advisory lock that serialises two runs (any constant unique to this use).
GROUPING_LOCK_KEY = 7_246_001
EVENT_KIND = "incident"


@dataclass
class Group:
    """An incident, existing or forming: the matrix row it is compared by, and its tickets."""

    row: int
    last_at: float
    incident: Incident | None = None
    members: list[Ticket] = field(default_factory=list)


@dataclass(frozen=True)
class GroupingResult:
    """What one run did: tickets compared, incidents created, tickets attached."""

    compared: int = 0
    created: list[Incident] = field(default_factory=list)
    attached: int = 0


def _timestamp(value: dt.datetime) -> float:
    return (as_utc(value) or utcnow()).timestamp()


def _take_lock(session: Session) -> None:
    """Serialise runs: PostgreSQL's advisory lock; on SQLite a write takes the database's."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(GROUPING_LOCK_KEY)))
    else:
        no_change = update(Incident).where(text("0")).values(status=Incident.status)
        session.execute(no_change.execution_options(synchronize_session=False))


def _ungrouped(session: Session, since: dt.datetime) -> list[Ticket]:
    """The newest ungrouped open tickets created since ``since``, oldest first."""
    query = (
        select(Ticket)
        .where(
            Ticket.incident_id.is_(None),
            Ticket.merged_into_id.is_(None),
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.created_at >= since,
        )
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(MAX_GROUPED_TICKETS)
        .options(selectinload(Ticket.events))  # each gets an event: one query, not one each
    )
    return list(reversed(session.scalars(query).unique().all()))


def _open_incidents(session: Session, since: dt.datetime) -> list[Incident]:
    query = select(Incident).where(
        Incident.status == INCIDENT_OPEN, Incident.last_ticket_at >= since
    )
    return list(session.scalars(query.order_by(Incident.id)).unique())


def assign_groups(
    matrix: np.ndarray,
    groups: list[Group],
    tickets: list[Ticket],
    *,
    threshold: float,
    window_s: float,
) -> list[Group]:
    """Greedy, in creation order: ticket ``i`` (row ``len(groups) + i`` of ``matrix``) joins
    the most similar group within the window, else starts its own."""
    offset = len(groups)
    rows = np.zeros(offset + len(tickets), dtype=np.int64)
    lasts = np.zeros(offset + len(tickets), dtype=np.float64)
    for k, group in enumerate(groups):
        rows[k], lasts[k] = group.row, group.last_at
    for index, ticket in enumerate(tickets):
        row, count = offset + index, len(groups)
        created = _timestamp(ticket.created_at)
        top = -1
        if count:
            within = np.abs(created - lasts[:count]) <= window_s
            scores = np.where(within, matrix[row, rows[:count]], -np.inf)
            top = int(np.argmax(scores))
            top = top if scores[top] >= threshold else -1
        if top < 0:
            top = count
            groups.append(Group(row=row, last_at=created))
            rows[top], lasts[top] = row, created
        latest = max(float(lasts[top]), created)
        groups[top].members.append(ticket)
        groups[top].last_at = lasts[top] = latest
    return groups


def _new_incident(members: list[Ticket], now: dt.datetime) -> Incident:
    first = members[0]
    return Incident(
        status=INCIDENT_OPEN,
        description=first.description,
        created_at=now,
        first_ticket_at=first.created_at,
        last_ticket_at=first.created_at,
    )


def refresh_counts(session: Session, incidents: list[Incident]) -> None:
    """Recount each incident's tickets, requesters and first and latest report."""
    if not incidents:
        return
    session.flush()
    by_id = {incident.id: incident for incident in incidents}
    query = (
        select(
            Ticket.incident_id,
            func.count(Ticket.id),
            func.count(distinct(Ticket.email)),
            func.min(Ticket.created_at),
            func.max(Ticket.created_at),
        )
        .where(Ticket.incident_id.in_(list(by_id)))
        .group_by(Ticket.incident_id)
    )
    for incident_id, tickets, requesters, first, last in session.execute(query):
        incident = by_id[incident_id or 0]
        incident.ticket_count, incident.requester_count = tickets, requesters
        incident.first_ticket_at, incident.last_ticket_at = first, last


def _apply(
    session: Session, groups: list[Group], settings: SupportSettings, now: dt.datetime
) -> tuple[list[Incident], list[Incident], int]:
    """Create the incidents that have enough requesters; attach every group's tickets."""
    created: list[Incident] = []
    touched: list[Incident] = []
    attached = 0
    for group in groups:
        if not group.members:
            continue
        if group.incident is None:
            if len({t.email for t in group.members}) < settings.incident_min_requesters:
                continue
            group.incident = _new_incident(group.members, now)
            session.add(group.incident)
            session.flush()
            created.append(group.incident)
        touched.append(group.incident)
        for ticket in group.members:
            ticket.incident = group.incident
            record_event(
                ticket, kind=EVENT_KIND, actor=ACTOR_SYSTEM, detail={"incident": group.incident.id}
            )
        attached += len(group.members)
    refresh_counts(session, touched)
    return created, touched, attached


def group_tickets(
    session: Session, *, settings: SupportSettings, now: dt.datetime | None = None
) -> GroupingResult:
    """Group the window's ungrouped open tickets into incidents (rules above), in the
    caller's transaction (flushed, not committed)."""
    now = as_utc(now) or utcnow()
    window = dt.timedelta(hours=settings.incident_window_hours)
    _take_lock(session)
    tickets = _ungrouped(session, now - window)
    incidents = _open_incidents(session, now - 2 * window)
    enough = len({t.email for t in tickets}) >= settings.incident_min_requesters
    if not tickets or not (incidents or enough):
        return GroupingResult(compared=len(tickets))
    matrix = LexicalSimilarity().pairwise(
        [i.description for i in incidents] + [t.description for t in tickets]
    )
    groups = [
        Group(row=row, last_at=_timestamp(incident.last_ticket_at), incident=incident)
        for row, incident in enumerate(incidents)
    ]
    groups = assign_groups(
        matrix,
        groups,
        tickets,
        threshold=settings.incident_min_similarity,
        window_s=window.total_seconds(),
    )
    created, _, attached = _apply(session, groups, settings, now)
    if created or attached:
        logger.info(
            "incidents.grouped compared=%d created=%d attached=%d",
            len(tickets),
            len(created),
            attached,
        )
    return GroupingResult(compared=len(tickets), created=created, attached=attached)


def group_on_arrival(session: Session, *, settings: SupportSettings) -> None:
    """Group in the new ticket's transaction, in a savepoint: a failure is logged and never
    refuses the ticket."""
    try:
        with session.begin_nested():
            group_tickets(session, settings=settings)
    except Exception:  # grouping is an aid to agents: the request itself must be kept
        logger.exception("incidents.grouping_failed")

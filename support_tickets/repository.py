"""Read side of the console: the filtered, sorted queue with its counts, and the supervisors'
overview."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from support_tickets.config import get_support_settings
from support_tickets.models import Agent, Ticket, TicketMessage, as_utc, utcnow
from support_tickets.sla import SlaStatus, sla_status
from support_tickets.taxonomy import (
    CATEGORIES,
    CATEGORY_LABELS,
    OPEN_STATUSES,
    PRIORITIES,
    SLA_AT_RISK,
    SLA_BREACHED,
    SLA_LABELS,
    SLA_OK,
    STATUSES,
)
from support_tickets.validation import NUL, parse_row_id

STATUS_FILTER_OPEN = "ouverts"
STATUS_FILTER_ALL = "tous"
ASSIGNEE_ME = "moi"
ASSIGNEE_NONE = "aucun"
SORTS: dict[str, str] = {
    "recent": "Plus récents d'abord",
    "ancien": "Plus anciens d'abord",
    "priorite": "Priorité la plus haute d'abord",
    "echeance": "Échéance la plus proche d'abord",
    "maj": "Dernière mise à jour",
}
DEFAULT_SORT = "recent"
# The console's sortable columns (``?sort=<column>&order=asc|desc``), with the order a first
# click gives: the most urgent, the latest or A to Z first.
COLUMN_SORTS: dict[str, str] = {
    "numero": "asc",
    "demandeur": "asc",
    "categorie": "asc",
    "statut": "asc",
    "priorite": "desc",
    "sla": "asc",
    "assigne": "asc",
    "cree": "desc",
}
SORT_ORDERS = ("asc", "desc")
MAX_QUERY_CHARS = 200
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("moins de 24 h", 1.0),
    ("1 à 3 jours", 3.0),
    ("3 à 7 jours", 7.0),
    ("plus de 7 jours", math.inf),
)


@dataclass
class QueueFilters:
    """What the queue shows; unknown values are ignored rather than refused."""

    status: str = STATUS_FILTER_OPEN
    priority: str | None = None
    category: str | None = None
    assignee: str | None = None
    sla: str | None = None
    q: str | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    order: str | None = None  # asc or desc, for a column sort (its first-click order if unset)

    def cleaned(self) -> QueueFilters:
        sort = self.sort if self.sort in SORTS or self.sort in COLUMN_SORTS else DEFAULT_SORT
        order = None
        if sort in COLUMN_SORTS:
            order = self.order if self.order in SORT_ORDERS else COLUMN_SORTS[sort]
        return QueueFilters(
            status=self.status
            if self.status in (*STATUSES, STATUS_FILTER_OPEN, STATUS_FILTER_ALL)
            else STATUS_FILTER_OPEN,
            priority=self.priority if self.priority in PRIORITIES else None,
            category=self.category if self.category in CATEGORIES else None,
            assignee=_cleaned_assignee(self.assignee),
            sla=self.sla if self.sla in SLA_LABELS else None,
            q=(self.q or "").replace(NUL, "").strip()[:MAX_QUERY_CHARS] or None,
            sort=sort,
            page=max(1, self.page),
            order=order,
        )


def _cleaned_assignee(assignee: str | None) -> str | None:
    """« moi », « aucun » or an agent's id (ASCII digits within the ids' range, written
    without leading zeros); anything else is ignored."""
    if assignee in (ASSIGNEE_ME, ASSIGNEE_NONE):
        return assignee
    agent_id = parse_row_id(assignee)
    return None if agent_id is None else str(agent_id)


@dataclass
class QueueRow:
    ticket: Ticket
    sla: SlaStatus


@dataclass
class QueueResult:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    filters: QueueFilters
    status_counts: dict[str, int] = field(default_factory=dict)
    sla_counts: dict[str, int] = field(default_factory=dict)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_clause(q: str):  # type: ignore[no-untyped-def]
    pattern = f"%{_escape_like(q.lower())}%"
    columns = (
        Ticket.number,
        Ticket.email,
        Ticket.description,
        Ticket.reference,
        Ticket.requester_name,
    )
    in_messages = exists().where(
        TicketMessage.ticket_id == Ticket.id,
        func.lower(TicketMessage.body).like(pattern, escape="\\"),
    )
    return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns), in_messages)


def _column(sort: str) -> ColumnElement[Any]:
    """What a column of the console's queue sorts on."""
    if sort == "priorite":
        return case({p: i for i, p in enumerate(PRIORITIES)}, value=Ticket.priority)
    if sort == "statut":
        return case({s: i for i, s in enumerate(STATUSES)}, value=Ticket.status)
    if sort == "categorie":
        by_label = sorted(CATEGORIES, key=lambda c: CATEGORY_LABELS[c])
        return case({c: i for i, c in enumerate(by_label)}, value=Ticket.category)
    if sort == "sla":  # the next running deadline: first response until answered
        return case(
            (Ticket.first_response_at.is_(None), Ticket.first_response_due),
            else_=Ticket.resolution_due,
        )
    if sort == "assigne":
        name = select(Agent.name).where(Agent.id == Ticket.assignee_id).scalar_subquery()
        return func.lower(func.coalesce(name, ""))
    if sort == "demandeur":
        return func.lower(func.coalesce(Ticket.requester_name, Ticket.email))
    if sort == "numero":
        return Ticket.number.expression
    return Ticket.created_at.expression


def _order_by(filters: QueueFilters) -> tuple[UnaryExpression[Any], ...]:
    if filters.sort in COLUMN_SORTS:
        column = _column(filters.sort)
        first = column.desc() if filters.order == "desc" else column.asc()
        return (first, Ticket.created_at.asc(), Ticket.id.asc())  # equals: oldest first
    orders: dict[str, tuple[UnaryExpression[Any], ...]] = {
        "recent": (Ticket.created_at.desc(), Ticket.id.desc()),
        "ancien": (Ticket.created_at.asc(), Ticket.id.asc()),
        "priorite": (_column("priorite").desc(), Ticket.created_at.asc()),
        "echeance": (Ticket.resolution_due.asc(), Ticket.id.asc()),
        "maj": (Ticket.updated_at.desc(), Ticket.id.desc()),
    }
    return orders[filters.sort]


def search_queue(
    session: Session,
    filters: QueueFilters,
    *,
    agent: Agent,
    now: dt.datetime | None = None,
) -> QueueResult:
    """The tickets matching ``filters``, sorted, one page, with counts by status and SLA."""
    filters = filters.cleaned()
    now = as_utc(now) or utcnow()
    conditions: list[ColumnElement[bool]] = []
    if filters.status == STATUS_FILTER_OPEN:
        conditions.append(Ticket.status.in_(OPEN_STATUSES))
    elif filters.status != STATUS_FILTER_ALL:
        conditions.append(Ticket.status == filters.status)
    if filters.priority:
        conditions.append(Ticket.priority == filters.priority)
    if filters.category:
        conditions.append(Ticket.category == filters.category)
    if filters.assignee == ASSIGNEE_ME:
        conditions.append(Ticket.assignee_id == agent.id)
    elif filters.assignee == ASSIGNEE_NONE:
        conditions.append(Ticket.assignee_id.is_(None))
    elif filters.assignee:
        conditions.append(Ticket.assignee_id == int(filters.assignee))
    if filters.q:
        conditions.append(_search_clause(filters.q))
    query = select(Ticket).where(and_(*conditions)) if conditions else select(Ticket)
    tickets = session.scalars(query.order_by(*_order_by(filters))).unique().all()
    rows = [QueueRow(t, sla_status(t, now)) for t in tickets]
    if filters.sla:
        rows = [r for r in rows if r.sla.state == filters.sla and r.ticket.status in OPEN_STATUSES]
    size = get_support_settings().queue_page_size
    pages = max(1, math.ceil(len(rows) / size))
    page = min(filters.page, pages)
    filters.page = page
    status_counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for status, count in session.execute(
        select(Ticket.status, func.count()).group_by(Ticket.status)
    ):
        status_counts[status] = count
    return QueueResult(
        rows=rows[(page - 1) * size : page * size],
        total=len(rows),
        page=page,
        pages=pages,
        filters=filters,
        status_counts=status_counts,
        sla_counts=sla_counts(session, now),
    )


def sla_counts(session: Session, now: dt.datetime | None = None) -> dict[str, int]:
    """Open tickets by SLA state."""
    counts: dict[str, int] = {SLA_OK: 0, SLA_AT_RISK: 0, SLA_BREACHED: 0}
    for ticket in session.scalars(select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))):
        counts[sla_status(ticket, now).state] += 1
    return counts


@dataclass
class Overview:
    by_category: dict[str, list[int]]  # category → counts per age bucket
    bucket_labels: list[str]
    breaches: list[QueueRow]
    at_risk: int
    by_assignee: list[tuple[str, int]]
    open_total: int


def overview(session: Session, now: dt.datetime | None = None) -> Overview:
    """Open tickets by category and age, SLA breaches, and the load of each agent."""
    now = as_utc(now) or utcnow()
    open_tickets = (
        session.scalars(
            select(Ticket).where(Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.created_at)
        )
        .unique()
        .all()
    )
    by_category: dict[str, list[int]] = {c: [0] * len(AGE_BUCKETS) for c in CATEGORIES}
    breaches: list[QueueRow] = []
    at_risk = 0
    load: dict[str, int] = {}
    for ticket in open_tickets:
        age_days = (now - (as_utc(ticket.created_at) or now)).total_seconds() / 86400
        bucket = next(i for i, (_, limit) in enumerate(AGE_BUCKETS) if age_days < limit)
        by_category[ticket.category][bucket] += 1
        status = sla_status(ticket, now)
        if status.state == SLA_BREACHED:
            breaches.append(QueueRow(ticket, status))
        elif status.state == SLA_AT_RISK:
            at_risk += 1
        name = ticket.assignee.name if ticket.assignee else "Non assigné"
        load[name] = load.get(name, 0) + 1
    return Overview(
        by_category=by_category,
        bucket_labels=[label for label, _ in AGE_BUCKETS],
        breaches=breaches,
        at_risk=at_risk,
        by_assignee=sorted(load.items(), key=lambda item: -item[1]),
        open_total=len(open_tickets),
    )


def list_agents(session: Session) -> list[Agent]:
    return list(session.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name)))


def duplicates_of(session: Session, ticket: Ticket) -> list[Ticket]:
    """Tickets linked to ``ticket`` as probable duplicates, or merged into it (both ways)."""
    query = select(Ticket).where(
        or_(Ticket.duplicate_of_id == ticket.id, Ticket.merged_into_id == ticket.id)
    )
    linked = list(session.scalars(query.order_by(Ticket.id)).unique())
    for other_id in (ticket.duplicate_of_id, ticket.merged_into_id):
        if other_id is not None:
            other = session.get(Ticket, other_id)
            if other is not None and other not in linked:
                linked.insert(0, other)
    return linked

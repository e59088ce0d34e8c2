"""The console's queue (``/console/tickets``): filters that apply on change, columns sorted by
the server (``?sort=<column>&order=asc|desc``), the SLA time left in business hours, bulk
assignment and status change; and the version the pages poll to refresh themselves when a
requester writes (``/console/api/version``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from support_tickets import repository
from support_tickets.console_bulk import BulkOutcome, run_bulk
from support_tickets.console_page import CSRF_PAGE_ERROR, check_csrf, error_page, render_page
from support_tickets.console_sla import SLA_FILTER_LABELS, sla_view
from support_tickets.errors import TicketError
from support_tickets.live_exchange import tickets_with_new_user_message
from support_tickets.models import AgentSession, Ticket, TicketMessage, utcnow
from support_tickets.state_machine import ALLOWED_TRANSITIONS
from support_tickets.taxonomy import CATEGORIES, PRIORITIES, STATUSES
from support_tickets.validation import parse_row_id
from support_tickets.web_auth import DbSession, PageAgent, optional_agent_session

router = APIRouter(prefix="/console", include_in_schema=False)

# Seconds between two polls of /console/api/version by the pages' script.
REFRESH_INTERVAL_S = 15
COLUMNS: tuple[tuple[str, str], ...] = (
    ("numero", "Numéro"),
    ("demandeur", "Demandeur"),
    ("categorie", "Catégorie"),
    ("statut", "Statut"),
    ("priorite", "Priorité"),
    ("sla", "Délais"),
    ("assigne", "Assigné à"),
    ("cree", "Créé le"),
)
ARIA_SORT = {"asc": "ascending", "desc": "descending"}
# Statuses a bulk change may target: any that some status can reach.
BULK_STATUSES = [
    s for s in STATUSES if any(s in targets for targets in ALLOWED_TRANSITIONS.values())
]
NOT_LOGGED_IN = "Session d'agent requise."


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    href: str  # the queue sorted on this column (the other order when it is already)
    aria_sort: str | None  # ascending / descending on the sorted column only
    next_order_label: str  # what a click does, for screen readers


def filter_params(filters: repository.QueueFilters, **changes: Any) -> dict[str, str]:
    """The query parameters of the queue as filtered, with ``changes`` (no empty value)."""
    params: dict[str, Any] = {
        "q": filters.q,
        "status": filters.status,
        "priority": filters.priority,
        "category": filters.category,
        "assignee": filters.assignee,
        "sla": filters.sla,
        "sort": filters.sort,
        "order": filters.order,
        **changes,
    }
    return {k: str(v) for k, v in params.items() if v not in (None, "")}


def columns(filters: repository.QueueFilters) -> list[Column]:
    """The table's headers with their sort links and ``aria-sort``."""
    found = []
    for key, label in COLUMNS:
        current = filters.order if filters.sort == key else None
        order = {"asc": "desc", "desc": "asc"}.get(current or "", repository.COLUMN_SORTS[key])
        params = filter_params(filters, sort=key, order=order, page=None)
        hint = "ordre croissant" if order == "asc" else "ordre décroissant"
        found.append(
            Column(
                key,
                label,
                "/console/tickets?" + urlencode(params),
                ARIA_SORT.get(current or ""),
                f"trier par {label.lower()}, {hint}",
            )
        )
    return found


def queue_context(
    db: Session, current: AgentSession, filters: repository.QueueFilters
) -> dict[str, Any]:
    now = utcnow()
    result = repository.search_queue(db, filters, agent=current.agent, now=now)
    params = filter_params(result.filters)
    return {
        "result": result,
        "filters": result.filters,
        "slas": {row.ticket.id: sla_view(row.ticket, now, row.sla) for row in result.rows},
        "columns": columns(result.filters),
        "page_query": urlencode(params),
        "agents": repository.list_agents(db),
        "statuses": STATUSES,
        "bulk_statuses": BULK_STATUSES,
        "priorities": PRIORITIES,
        "categories": CATEGORIES,
        "sla_states": SLA_FILTER_LABELS,
        "refresh_seconds": REFRESH_INTERVAL_S,
        "version": queue_version(db),
        # Tickets where the requester wrote after the agents' last reply (issue 13).
        "new_user_message": tickets_with_new_user_message(db, [r.ticket.id for r in result.rows]),
    }


@router.get("/tickets", response_class=HTMLResponse)
def queue_page(
    request: Request,
    current: PageAgent,
    db: DbSession,
    status: str = repository.STATUS_FILTER_OPEN,
    priority: str | None = None,
    category: str | None = None,
    assignee: str | None = None,
    sla: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: str = repository.DEFAULT_SORT,
    order: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    filters = repository.QueueFilters(
        status,
        priority or None,
        category or None,
        assignee or None,
        sla or None,
        q,
        sort,
        page,
        order,
    )
    return render_page(request, "console/queue.html", queue_context(db, current, filters), current)


def _return_filters(query: str) -> repository.QueueFilters:
    """The queue's filters from the query string the bulk form came from."""
    values = {k: v[-1] for k, v in parse_qs(query[:2000]).items()}
    page = parse_row_id(values.get("page")) or 1
    return repository.QueueFilters(
        values.get("status", repository.STATUS_FILTER_OPEN),
        values.get("priority") or None,
        values.get("category") or None,
        values.get("assignee") or None,
        values.get("sla") or None,
        values.get("q") or None,
        values.get("sort", repository.DEFAULT_SORT),
        page,
        values.get("order"),
    )


@router.post("/tickets/actions-groupees", response_model=None)
def bulk_form(
    request: Request,
    current: PageAgent,
    db: DbSession,
    ticket_ids: Annotated[list[str], Form(max_length=16)] = [],  # noqa: B006 (FastAPI default)
    action: Annotated[str, Form(max_length=16)] = "",
    assignee: Annotated[str, Form(max_length=16)] = "",
    status: Annotated[str, Form(max_length=32)] = "",
    retour: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Apply a bulk action, then show the queue (as it was filtered) with the outcome."""
    if not check_csrf(current, csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    outcome: BulkOutcome | None = None
    error = ""
    try:
        outcome = run_bulk(
            db, ticket_ids, agent=current.agent, action=action, assignee=assignee, status=status
        )
    except TicketError as exc:
        db.rollback()
        error = exc.message
    context = queue_context(db, current, _return_filters(retour))
    context.update(bulk=outcome, bulk_error=error)
    return render_page(
        request, "console/queue.html", context, current, status_code=422 if error else 200
    )


def queue_version(db: Session) -> str:
    """Changes whenever a ticket is created or changed, or a message is added."""
    count, updated = db.execute(select(func.count(Ticket.id), func.max(Ticket.updated_at))).one()
    last_message = db.scalar(select(func.max(TicketMessage.id)))
    return f"{count}-{updated.isoformat() if updated else ''}-{last_message or 0}"


def ticket_version(db: Session, ticket_id: int) -> str | None:
    """Changes whenever the ticket changes or gets a message; None if there is no such ticket."""
    updated = db.scalar(select(Ticket.updated_at).where(Ticket.id == ticket_id))
    if updated is None:
        return None
    last_message = db.scalar(
        select(func.max(TicketMessage.id)).where(TicketMessage.ticket_id == ticket_id)
    )
    return f"{updated.isoformat()}-{last_message or 0}"


@router.get("/api/version", response_model=None)
def version_api(
    db: DbSession,
    current: Annotated[AgentSession | None, Depends(optional_agent_session)],
    ticket: Annotated[str | None, Query(max_length=16)] = None,
) -> JSONResponse:
    """``{"version": …}`` of the queue, or of one ticket with ``?ticket=<id>`` (agents only)."""
    if current is None:
        return JSONResponse({"detail": NOT_LOGGED_IN}, status_code=401)
    if ticket is None:
        version: str | None = queue_version(db)
    else:
        ticket_id = parse_row_id(ticket)
        version = ticket_version(db, ticket_id) if ticket_id is not None else None
        if version is None:
            return JSONResponse({"detail": "Ticket introuvable."}, status_code=404)
    response = JSONResponse({"version": version})
    response.headers["Cache-Control"] = "no-store"
    return response

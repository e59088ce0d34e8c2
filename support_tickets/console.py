"""Server-rendered agent console under ``/console`` (French, DSFR markup, works without
JavaScript): a ticket and its forms, the supervisors' overview. Every page needs an agent
session; every form carries the session's CSRF token. The queue and its bulk actions are in
:mod:`support_tickets.console_queue`, the login and logout in
:mod:`support_tickets.console_login`, what pages share in :mod:`support_tickets.console_page`;
the console's own script and style sheet are served from ``/console/static``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from support_tickets import agent_actions, canned, repository
from support_tickets.api import deliver_outbox
from support_tickets.api import router as api_router
from support_tickets.console_events import notify_committed_changes
from support_tickets.console_events import router as events_router
from support_tickets.console_login import router as login_router
from support_tickets.console_page import (
    CSRF_PAGE_ERROR,
    DEFAULT_NEXT,
    check_csrf,
    error_page,
    render_page,
    safe_next,
)
from support_tickets.console_queue import REFRESH_INTERVAL_S, ticket_version
from support_tickets.console_queue import router as queue_router
from support_tickets.console_sla import sla_view
from support_tickets.console_suggestions import suggestions_for
from support_tickets.console_transcript import message_views
from support_tickets.errors import TicketError, TicketNotFoundError, TicketValidationError
from support_tickets.gaps_routes import router as gaps_router
from support_tickets.http_errors import install_ticket_error_handler, status_code_for
from support_tickets.incident_routes import router as incident_router
from support_tickets.models import AgentSession, Ticket
from support_tickets.priority import current_priority_suggestion
from support_tickets.requester import get_ticket, get_ticket_by_number
from support_tickets.sla import sla_status
from support_tickets.state_machine import allowed_targets
from support_tickets.taxonomy import CATEGORIES, PRIORITIES, STATUS_CLOSED
from support_tickets.validation import parse_row_id
from support_tickets.web_auth import SUPERVISORS_ONLY, DbSession, LoginRequired, PageAgent

router = APIRouter(prefix="/console", include_in_schema=False)
# The console's own style sheet and script (progressive enhancement: every page works
# without them).
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PATH = "/console/static"

NOTICES: dict[str, str] = {
    "reponse": "Votre réponse a été envoyée à l'usager.",
    "note": "La note interne a été ajoutée.",
    "assignation": "L'assignation a été enregistrée.",
    "statut": "Le statut a été modifié.",
    "priorite": "La priorité a été modifiée.",
    "fusion": "Les tickets ont été fusionnés : les deux historiques sont conservés.",
}


# --- pages ------------------------------------------------------------------------------


@router.get("", response_model=None)
@router.get("/", response_model=None)
def console_home() -> RedirectResponse:
    return RedirectResponse(DEFAULT_NEXT, status_code=303)


def _ticket_context(
    request: Request,
    db: Session,
    ticket: Ticket,
    current: AgentSession,
    modele: str | None = None,
    suggestion: str | None = None,
) -> dict[str, Any]:
    draft = ""
    template = canned.get_canned(db, modele) if modele else None
    if template is not None:
        draft = canned.render(template.body, ticket, current.agent)
    base_url = str(request.base_url)
    suggestions = suggestions_for(ticket, base_url)
    chosen = next((s for s in suggestions if s.id == suggestion), None) if suggestion else None
    if chosen is not None:  # « Insérer » without JavaScript
        draft = f"{draft}\n\n{chosen.insert_text}" if draft else chosen.insert_text
    suggested, reasons = current_priority_suggestion(ticket)
    status = sla_status(ticket)
    return {
        "ticket": ticket,
        "sla": status,
        "sla_view": sla_view(ticket, status=status),
        "transcript": message_views([m for m in ticket.messages if m.in_transcript]),
        "thread": message_views([m for m in ticket.messages if not m.in_transcript]),
        "suggestions": suggestions,
        "linked": repository.duplicates_of(db, ticket),
        "agents": repository.list_agents(db),
        "canned": canned.list_canned(db),
        "selected_canned": template.key if template else None,
        "draft": draft,
        "allowed_statuses": allowed_targets(ticket.status),
        "priorities": PRIORITIES,
        "suggested_priority": suggested,
        "suggested_reasons": reasons,
        "merge_candidates": [
            t
            for t in repository.duplicates_of(db, ticket)
            if t.merged_into_id is None and t.status != STATUS_CLOSED
        ],
        "version": ticket_version(db, ticket.id),
        "refresh_seconds": REFRESH_INTERVAL_S,
    }


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(
    request: Request,
    ticket_id: int,
    current: PageAgent,
    db: DbSession,
    modele: Annotated[str | None, Query(max_length=64)] = None,
    suggestion: Annotated[str | None, Query(max_length=200)] = None,
    ok: str | None = None,
) -> HTMLResponse:
    try:
        ticket = get_ticket(db, ticket_id)
    except TicketNotFoundError as exc:
        return error_page(request, current, exc.message, 404)
    context = _ticket_context(request, db, ticket, current, modele, suggestion)
    context["notice"] = NOTICES.get(ok or "")
    return render_page(request, "console/ticket.html", context, current)


def _act(
    request: Request,
    db: Session,
    current: AgentSession,
    ticket_id: int,
    csrf_token: str,
    notice: str,
    action: Callable[[Ticket], int | None],
    draft: str = "",
) -> Response:
    """Run a form action on a ticket: CSRF check, then redirect (PRG) or the page with the
    French error."""
    if not check_csrf(current, csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    try:
        ticket = get_ticket(db, ticket_id)
    except TicketNotFoundError as exc:
        return error_page(request, current, exc.message, 404)
    try:
        target_id = action(ticket)
    except TicketError as exc:
        db.rollback()
        ticket = get_ticket(db, ticket_id)
        context = _ticket_context(request, db, ticket, current)
        context.update(error=exc.message, draft=draft or context["draft"])
        return render_page(
            request, "console/ticket.html", context, current, status_code=status_code_for(exc)
        )
    return RedirectResponse(
        f"/console/tickets/{target_id or ticket_id}?ok={quote(notice)}", status_code=303
    )


@router.post("/tickets/{ticket_id}/reponse", response_model=None)
def reply_form(
    request: Request,
    ticket_id: int,
    current: PageAgent,
    db: DbSession,
    tasks: BackgroundTasks,
    text: Annotated[str, Form(max_length=10000)] = "",
    status: Annotated[str, Form(max_length=32)] = "",
    canned_key: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def action(ticket: Ticket) -> None:
        agent_actions.reply_to_ticket(
            db,
            ticket,
            agent=current.agent,
            text=text,
            status=status or None,
            canned_key=canned_key or None,
        )
        tasks.add_task(deliver_outbox)

    return _act(request, db, current, ticket_id, csrf_token, "reponse", action, draft=text)


@router.post("/tickets/{ticket_id}/note", response_model=None)
def note_form(
    request: Request,
    ticket_id: int,
    current: PageAgent,
    db: DbSession,
    text: Annotated[str, Form(max_length=10000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def action(ticket: Ticket) -> None:
        agent_actions.add_internal_note(db, ticket, agent=current.agent, text=text)

    return _act(request, db, current, ticket_id, csrf_token, "note", action)


def _assignee_id(assignee: str) -> int | None:
    """The agent chosen in the assignment form: None (nobody) when the field is empty; an
    agent's id otherwise, refused in French if it is none (« ² », « 99…9 »)."""
    if not assignee.strip():
        return None
    agent_id = parse_row_id(assignee.strip())
    if agent_id is None:
        raise TicketValidationError("Cet agent n'existe pas ou n'est plus actif.", "assignee")
    return agent_id


@router.post("/tickets/{ticket_id}/assignation", response_model=None)
def assign_form(
    request: Request,
    ticket_id: int,
    current: PageAgent,
    db: DbSession,
    assignee: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def action(ticket: Ticket) -> None:
        agent_actions.assign_ticket(
            db, ticket, agent=current.agent, assignee_id=_assignee_id(assignee)
        )

    return _act(request, db, current, ticket_id, csrf_token, "assignation", action)


@router.post("/tickets/{ticket_id}/statut", response_model=None)
def status_form(
    request: Request,
    ticket_id: int,
    current: PageAgent,
    db: DbSession,
    status: Annotated[str, Form(max_length=32)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def action(ticket: Ticket) -> None:
        agent_actions.change_status(db, ticket, agent=current.agent, status=status)

    return _act(request, db, current, ticket_id, csrf_token, "statut", action)


@router.post("/tickets/{ticket_id}/priorite", response_model=None)
def priority_form(
    request: Request,
    ticket_id: int,
    current: PageAgent,
    db: DbSession,
    priority: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def action(ticket: Ticket) -> None:
        agent_actions.change_priority(db, ticket, agent=current.agent, priority=priority)

    return _act(request, db, current, ticket_id, csrf_token, "priorite", action)


@router.post("/tickets/{ticket_id}/fusion", response_model=None)
def merge_form(
    request: Request,
    ticket_id: int,
    current: PageAgent,
    db: DbSession,
    target: Annotated[str, Form(max_length=32)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def action(ticket: Ticket) -> int:
        target_id = parse_row_id(target.strip())
        other = get_ticket_by_number(db, target) or (
            db.get(Ticket, target_id) if target_id is not None else None
        )
        if other is None:
            raise TicketNotFoundError(f"Aucun ticket ne porte le numéro « {target} ».")
        agent_actions.merge_tickets(db, source=ticket, target=other, agent=current.agent)
        return other.id

    return _act(request, db, current, ticket_id, csrf_token, "fusion", action)


@router.get("/vue-ensemble", response_class=HTMLResponse)
def overview_page(request: Request, current: PageAgent, db: DbSession) -> HTMLResponse:
    if not current.agent.is_supervisor:
        return error_page(request, current, SUPERVISORS_ONLY, 403)
    return render_page(
        request,
        "console/overview.html",
        {"overview": repository.overview(db), "categories": CATEGORIES},
        current,
    )


def install_support(app: FastAPI) -> None:
    """Mount the agents' JSON API and console on ``app``, with the API's answer to ticket
    errors and the console's redirect to the login page for visitors without an agent
    session."""
    install_ticket_error_handler(app)

    @app.exception_handler(LoginRequired)
    async def _login_required(_request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(
            f"/console/login?suivant={quote(safe_next(exc.next_path))}", status_code=303
        )

    app.include_router(api_router)
    app.include_router(login_router)
    app.include_router(queue_router)
    app.include_router(events_router)
    notify_committed_changes()  # the console's live streams hear of every ticket change
    app.include_router(incident_router)
    app.include_router(gaps_router)  # the supervisors' « Lacunes » page (issue 15)
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="console-static")

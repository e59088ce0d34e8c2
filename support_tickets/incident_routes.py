"""Console pages of incidents (``/console/incidents``): the list, an incident with its
tickets, its answer sent once to every ticket, and grouping the recent tickets on demand.
Same rules as the rest of the console: an agent session, the CSRF token on every form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from support_tickets.api import deliver_outbox
from support_tickets.config import get_support_settings
from support_tickets.console_page import CSRF_PAGE_ERROR, check_csrf, error_page, render_page
from support_tickets.errors import TicketError, TicketNotFoundError
from support_tickets.http_errors import status_code_for
from support_tickets.incident_replies import (
    REPLY_STATUSES,
    IncidentAnswer,
    answer_incident,
    get_incident,
    incident_tickets,
    list_incidents,
)
from support_tickets.incidents import INCIDENT_STATUS_LABELS, group_tickets
from support_tickets.models import AgentSession
from support_tickets.web_auth import DbSession, PageAgent

router = APIRouter(prefix="/console/incidents", include_in_schema=False)

INCIDENTS_SHOWN = 100
TICKETS_SHOWN = 500
NOTICE_GROUPED = (
    "Regroupement effectué : {created} incident(s) créé(s), {attached} ticket(s) rattaché(s)."
)


def _tickets(count: int) -> str:
    return f"{count} ticket{'s' if count > 1 else ''}"


def _answer_notice(answer: IncidentAnswer) -> str:
    sent = f"Réponse envoyée à {_tickets(answer.answered)} de l'incident."
    if answer.skipped:
        sent += f" Non modifiés : {_tickets(len(answer.skipped))}, listés ci-dessous."
    return sent


def _incident_page(
    request: Request,
    db: DbSession,
    current: AgentSession,
    incident_id: int,
    extra: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        incident = get_incident(db, incident_id)
    except TicketNotFoundError as exc:
        return error_page(request, current, exc.message, 404)
    context: dict[str, object] = {
        "incident": incident,
        "tickets": incident_tickets(db, incident, limit=TICKETS_SHOWN),
        "reply_statuses": REPLY_STATUSES,
        "INCIDENT_STATUS_LABELS": INCIDENT_STATUS_LABELS,
        "draft": "",
        **(extra or {}),
    }
    return render_page(request, "console/incident.html", context, current, status_code)


@router.get("", response_class=HTMLResponse)
def incidents_page(
    request: Request,
    current: PageAgent,
    db: DbSession,
    crees: Annotated[int | None, Query(ge=0)] = None,
    rattaches: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    notice = None
    if crees is not None and rattaches is not None:
        notice = NOTICE_GROUPED.format(created=crees, attached=rattaches)
    return render_page(
        request,
        "console/incidents.html",
        {
            "incidents": list_incidents(db, INCIDENTS_SHOWN),
            "INCIDENT_STATUS_LABELS": INCIDENT_STATUS_LABELS,
            "window_hours": get_support_settings().incident_window_hours,
            "notice": notice,
        },
        current,
    )


@router.post("/regrouper", response_model=None)
def group_form(
    request: Request,
    current: PageAgent,
    db: DbSession,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not check_csrf(current, csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    result = group_tickets(db, settings=get_support_settings())
    db.commit()
    return RedirectResponse(
        f"/console/incidents?crees={len(result.created)}&rattaches={result.attached}",
        status_code=303,
    )


@router.get("/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    incident_id: int,
    current: PageAgent,
    db: DbSession,
    envoyes: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    notice = None if envoyes is None else _answer_notice(IncidentAnswer(envoyes))
    return _incident_page(request, db, current, incident_id, {"notice": notice})


@router.post("/{incident_id}/reponse", response_model=None)
def answer_form(
    request: Request,
    incident_id: int,
    current: PageAgent,
    db: DbSession,
    tasks: BackgroundTasks,
    text: Annotated[str, Form(max_length=10000)] = "",
    status: Annotated[str, Form(max_length=32)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not check_csrf(current, csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    try:
        incident = get_incident(db, incident_id)
        answer = answer_incident(
            db, incident, agent=current.agent, text=text, status=status or None
        )
    except TicketError as exc:
        db.rollback()
        extra = {"error": exc.message, "draft": text}
        return _incident_page(request, db, current, incident_id, extra, status_code_for(exc))
    tasks.add_task(deliver_outbox)
    if answer.skipped:
        outcome = {"notice": _answer_notice(answer), "skipped": answer.skipped}
        return _incident_page(request, db, current, incident_id, outcome)
    return RedirectResponse(
        f"/console/incidents/{incident_id}?envoyes={answer.answered}", status_code=303
    )

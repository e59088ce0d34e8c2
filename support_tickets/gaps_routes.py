"""The console's « Lacunes » page, for supervisors only.

``GET /console/lacunes?du=AAAA-MM-JJ&au=AAAA-MM-JJ&page=…`` lists the content gaps of the
period (:mod:`support_tickets.gaps`): open ones by volume, each with a link « Rédiger une
entrée » to the draft page and a form marking it « traitée »; then those already treated,
with their entry. ``POST /console/lacunes/traiter`` (the form: the period, the group's
central turn ``groupe``, the entry id ``entree``) stores the mark and comes back to the page
(PRG). Plain HTML forms: the page works without JavaScript.

An agent without the supervisor role gets a French 403 page, a bad filter or entry the page
with its French message (400), a missing embedder a French 503 page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from support_tickets.console_page import CSRF_PAGE_ERROR, check_csrf, error_page, render_page
from support_tickets.gaps import (
    EMBEDDER_UNAVAILABLE,
    GAP_DISTANCE,
    MIN_GROUP_QUESTIONS,
    REOPEN_QUESTIONS,
    GapInputError,
    GapReport,
    find_gaps,
    mark_treated,
)
from support_tickets.gaps_index import get_knowledge_index
from support_tickets.models import AgentSession
from support_tickets.pilotage import PilotageFilters
from support_tickets.supervisor_period import (
    PeriodQuery,
    period_form,
    period_query,
    supervised_period,
)
from support_tickets.web_auth import DbSession, PageAgent

router = APIRouter(prefix="/console", include_in_schema=False)

PAGE_PATH = "/console/lacunes"
PAGE_TEMPLATE = "console/gaps.html"
MARKED_NOTICE = "Le groupe est marqué « traitée » : il est listé avec son entrée plus bas."


def page_url(filters: PilotageFilters, **extra: str) -> str:
    return f"{PAGE_PATH}?{period_query(filters, **extra)}"


def _render(
    request: Request,
    current: AgentSession,
    form: dict[str, str],
    report: GapReport | None = None,
    error: str | None = None,
    status_code: int = 200,
    notice: str | None = None,
    entry_typed: dict[int, str] | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "report": report,
        "form": form,
        "error": error,
        "notice": notice,
        "entry_typed": entry_typed or {},
        "gap_distance": GAP_DISTANCE,
        "min_group": MIN_GROUP_QUESTIONS,
        "reopen": REOPEN_QUESTIONS,
    }
    return render_page(request, PAGE_TEMPLATE, context, current, status_code=status_code)


def _checked(
    request: Request, current: AgentSession, period: PeriodQuery
) -> PilotageFilters | HTMLResponse:
    """The period of the query, or the refusal: 403 for a non-supervisor, 400 for a bad
    period."""

    def refuse(form: dict[str, str], message: str) -> HTMLResponse:
        return _render(request, current, form, error=message, status_code=400)

    return supervised_period(request, current, period, refuse)


@router.get("/lacunes", response_class=HTMLResponse)
def gaps_page(
    request: Request,
    current: PageAgent,
    db: DbSession,
    period: Annotated[PeriodQuery, Depends()],
    ok: str | None = None,
) -> HTMLResponse:
    filters = _checked(request, current, period)
    if isinstance(filters, HTMLResponse):
        return filters
    form = period_form(filters)
    try:
        report = find_gaps(db, filters, get_knowledge_index())
    except OSError:
        return error_page(request, current, EMBEDDER_UNAVAILABLE, 503)
    notice = MARKED_NOTICE if ok == "traitee" else None
    return _render(request, current, form, report, notice=notice)


@router.post("/lacunes/traiter", response_model=None)
def mark_gap(
    request: Request,
    current: PageAgent,
    db: DbSession,
    du: Annotated[str, Form()] = "",
    au: Annotated[str, Form()] = "",
    page: Annotated[str, Form()] = "",
    groupe: Annotated[str, Form()] = "",
    entree: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not check_csrf(current, csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    filters = _checked(request, current, PeriodQuery(du, au, page))
    if isinstance(filters, HTMLResponse):
        return filters
    index = get_knowledge_index()
    try:
        mark_treated(db, filters, groupe, entree, current.agent, index)
    except GapInputError as exc:
        db.rollback()
        report = find_gaps(db, filters, index)
        typed = {int(groupe): entree[:200]} if groupe.isdigit() and len(groupe) < 19 else {}
        return _render(
            request, current, period_form(filters), report, exc.message, 400, entry_typed=typed
        )
    except OSError:
        return error_page(request, current, EMBEDDER_UNAVAILABLE, 503)
    return RedirectResponse(page_url(filters, ok="traitee") + "#traitees", status_code=303)

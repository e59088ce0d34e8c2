"""The console's « Relecture » page (``/console/relecture``): the quality-review queue.

- ``GET /console/relecture``: the drawn turns waiting for a verdict (question, answer given,
  its source, why it was drawn) with three buttons « juste », « fausse », « à clarifier » and
  an optional note; the latest verdicts below.
- ``POST /console/relecture/{id}/verdict``: record a verdict (every agent and supervisor:
  agents know the answers and read users' questions every day).
- ``POST /console/relecture/tirage``: draw a sample of a period
  (:mod:`support_tickets.review_sampling`); supervisors only, since it sets the team's
  reviewing load.
- ``GET /console/relecture/export.jsonl``: the reviewed turns as an evaluation set
  (:func:`support_tickets.reviews.export_jsonl`); supervisors only, who run the evaluation.

Plain forms (works without JavaScript), the session's CSRF token on each; bad input gets the
page again with a French message (400), never a 5xx.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from support_tickets.console_page import CSRF_PAGE_ERROR, check_csrf, error_page, render_page
from support_tickets.models import AgentSession
from support_tickets.pilotage import PilotageInputError, parse_filters
from support_tickets.review_sampling import sample_turns
from support_tickets.reviews import (
    REASON_LABELS,
    VERDICT_LABELS,
    ReviewInputError,
    export_jsonl,
    latest_reviewed,
    queue,
    record_verdict,
    waiting_count,
)
from support_tickets.supervisor_period import today_in_paris
from support_tickets.validation import parse_row_id
from support_tickets.web_auth import SUPERVISORS_ONLY, DbSession, PageAgent

router = APIRouter(prefix="/console/relecture", include_in_schema=False)

PAGE_TEMPLATE = "console/relecture.html"
DRAW_DEFAULT_DAYS = 7  # the period the draw form offers: the last 7 days
MAX_FIELD_CHARS = 20  # a refused date is shown back in its field up to this length
NOTICE_SAVED = "Verdict enregistré."
NOTICE_DRAWN = "{drawn} échange(s) ajouté(s) à la file sur {considered} réponse(s) de la période."


def _page(
    request: Request,
    db: DbSession,
    current: AgentSession,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    today = today_in_paris()
    context: dict[str, Any] = {
        "queue": queue(db),
        "waiting": waiting_count(db),
        "reviewed": latest_reviewed(db),
        "VERDICT_LABELS": VERDICT_LABELS,
        "REASON_LABELS": REASON_LABELS,
        "draw": {
            "du": (today - dt.timedelta(days=DRAW_DEFAULT_DAYS - 1)).isoformat(),
            "au": today.isoformat(),
        },
        "notice": None,
        "error": None,
        **(extra or {}),
    }
    return render_page(request, PAGE_TEMPLATE, context, current, status_code)


@router.get("", response_class=HTMLResponse)
def review_page(
    request: Request,
    current: PageAgent,
    db: DbSession,
    enregistre: Annotated[int | None, Query(ge=0, le=1)] = None,
    ajoutes: Annotated[int | None, Query(ge=0)] = None,
    sur: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    notice = NOTICE_SAVED if enregistre else None
    if ajoutes is not None and sur is not None:
        notice = NOTICE_DRAWN.format(drawn=ajoutes, considered=sur)
    return _page(request, db, current, {"notice": notice})


@router.post("/tirage", response_model=None)
def draw_form(
    request: Request,
    current: PageAgent,
    db: DbSession,
    du: Annotated[str, Form()] = "",
    au: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not check_csrf(current, csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    if not current.agent.is_supervisor:
        return error_page(request, current, SUPERVISORS_ONLY, 403)
    try:
        filters = parse_filters(du, au, None, today_in_paris())
    except PilotageInputError as exc:
        typed = {"du": du[:MAX_FIELD_CHARS], "au": au[:MAX_FIELD_CHARS]}
        return _page(request, db, current, {"error": exc.message, "draw": typed}, 400)
    start, end = filters.bounds()
    result = sample_turns(db, start, end)
    query = urlencode({"ajoutes": result.drawn, "sur": result.considered})
    return RedirectResponse(f"/console/relecture?{query}", status_code=303)


@router.post("/{review_id}/verdict", response_model=None)
def verdict_form(
    request: Request,
    review_id: str,
    current: PageAgent,
    db: DbSession,
    verdict: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not check_csrf(current, csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    try:
        record_verdict(db, parse_row_id(review_id), verdict, note, current.agent)
    except ReviewInputError as exc:
        db.rollback()
        return _page(request, db, current, {"error": exc.message}, 400)
    return RedirectResponse("/console/relecture?enregistre=1", status_code=303)


@router.get("/export.jsonl", response_model=None)
def export(request: Request, current: PageAgent, db: DbSession) -> Response:
    if not current.agent.is_supervisor:
        return error_page(request, current, SUPERVISORS_ONLY, 403)
    name = f"relecture-{today_in_paris().isoformat()}.jsonl"
    return Response(
        export_jsonl(db),
        media_type="application/x-ndjson; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )

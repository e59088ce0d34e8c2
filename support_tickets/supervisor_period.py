"""The period filter shared by the supervisors' pages (« Pilotage », « Lacunes »).

Both pages take ``du``, ``au`` (``AAAA-MM-JJ``) and ``page`` from the query, refuse a
non-supervisor with a French 403 page and bad filters with the page's own form and its French
message (400). :func:`supervised_period` does both checks once; the page gives the function
that renders its refusal, since each page shows the typed fields in its own template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from support_tickets.console_page import error_page
from support_tickets.models import AgentSession
from support_tickets.pilotage import PilotageFilters, PilotageInputError, parse_filters
from support_tickets.sla import PARIS
from support_tickets.web_auth import SUPERVISORS_ONLY

MAX_ECHOED_CHARS = 20  # a refused date is shown back in its field up to this length
MAX_ECHOED_PAGE_CHARS = 200  # a refused page filter is shown back up to this length

# Renders a page's refusal: the form as typed and the French message, with status 400.
Refusal = Callable[[dict[str, str], str], HTMLResponse]


@dataclass(frozen=True)
class PeriodQuery:
    """``du``, ``au`` and ``page`` as typed: the query of a supervisor page
    (``period: Annotated[PeriodQuery, Depends()]``) or the fields of its forms."""

    du: str | None = None
    au: str | None = None
    page: str | None = None


def today_in_paris() -> dt.date:
    return dt.datetime.now(PARIS).date()


def typed_form(du: str | None, au: str | None, page: str | None) -> dict[str, str]:
    """The fields as the supervisor typed them, cut to what a form shows back."""
    return {
        "du": (du or "")[:MAX_ECHOED_CHARS],
        "au": (au or "")[:MAX_ECHOED_CHARS],
        "page": (page or "")[:MAX_ECHOED_PAGE_CHARS],
    }


def period_form(filters: PilotageFilters) -> dict[str, str]:
    """The form's fields for checked ``filters``."""
    return {
        "du": filters.start.isoformat(),
        "au": filters.end.isoformat(),
        "page": filters.page or "",
    }


def period_query(filters: PilotageFilters, **extra: str) -> str:
    """The query string that gives ``filters`` back (and ``extra`` parameters)."""
    query = {"du": filters.start.isoformat(), "au": filters.end.isoformat()}
    if filters.page is not None:
        query["page"] = filters.page
    return urlencode({**query, **extra})


def supervised_period(
    request: Request, current: AgentSession, period: PeriodQuery, refuse: Refusal
) -> PilotageFilters | HTMLResponse:
    """The checked period, or the page refusing it: 403 for an agent who is not a
    supervisor, ``refuse``'s page (400) for bad filters."""
    if not current.agent.is_supervisor:
        return error_page(request, current, SUPERVISORS_ONLY, 403)
    try:
        return parse_filters(period.du, period.au, period.page, today_in_paris())
    except PilotageInputError as exc:
        return refuse(typed_form(period.du, period.au, period.page), exc.message)

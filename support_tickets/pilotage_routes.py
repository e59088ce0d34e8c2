"""The console's « Pilotage » page and its CSV export, for supervisors only.

``GET /console/pilotage?du=AAAA-MM-JJ&au=AAAA-MM-JJ&page=…`` shows the charts of
:mod:`support_tickets.pilotage` (DSFR Chart web components, each with its data table in a
``<details>`` for those who cannot see it); ``GET /console/pilotage/export.csv`` with the same
query gives the same aggregates as a CSV file (:mod:`support_tickets.pilotage_export`).
An agent without the supervisor role gets a French 403 page, a bad filter a French 400.

DSFR Chart (npm ``@gouvfr/dsfr-chart``, installed by ``npm ci``) is served from
``node_modules`` at :data:`DSFR_CHART_URL`; its module script is an external file, as the
content security policy wants.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from storage.paths import REPO_ROOT
from support_tickets.console_page import render_page
from support_tickets.models import AgentSession
from support_tickets.pilotage import Pilotage, PilotageFilters, compute
from support_tickets.pilotage_charts import charts, key_figures
from support_tickets.pilotage_export import file_name, to_csv
from support_tickets.review_accuracy import review_accuracy_chart
from support_tickets.review_routes import router as review_router
from support_tickets.supervisor_period import (
    PeriodQuery,
    Refusal,
    period_form,
    period_query,
    supervised_period,
)
from support_tickets.web_auth import DbSession, PageAgent

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/console", include_in_schema=False)

DSFR_CHART_DIST = REPO_ROOT / "node_modules" / "@gouvfr" / "dsfr-chart" / "dist" / "DSFRChart"
DSFR_CHART_URL = "/static/dsfr-chart"
PAGE_TEMPLATE = "console/pilotage.html"


def _refusal(request: Request, current: AgentSession) -> Refusal:
    """Renders the page with the French message and the form as typed, without figures."""

    def refuse(form: dict[str, str], message: str) -> HTMLResponse:
        context: dict[str, Any] = {"error": message, "form": form, "p": None, "pages": []}
        return render_page(request, PAGE_TEMPLATE, context, current, status_code=400)

    return refuse


def _supervised_data(
    request: Request,
    current: PageAgent,
    db: DbSession,
    period: PeriodQuery,
) -> tuple[PilotageFilters, Pilotage] | HTMLResponse:
    """The checked filters and their figures, or the page refusing them."""
    filters = supervised_period(request, current, period, _refusal(request, current))
    if isinstance(filters, HTMLResponse):
        return filters
    return filters, compute(db, filters)


@router.get("/pilotage", response_class=HTMLResponse)
def pilotage_page(
    request: Request,
    current: PageAgent,
    db: DbSession,
    period: Annotated[PeriodQuery, Depends()],
) -> HTMLResponse:
    checked = _supervised_data(request, current, db, period)
    if isinstance(checked, HTMLResponse):
        return checked
    filters, data = checked
    # A page chosen beyond the busiest ones stays selectable.
    pages = data.pages
    if filters.page is not None and filters.page not in pages:
        pages = [filters.page, *pages]
    form = period_form(filters)
    context: dict[str, Any] = {
        "p": data,
        "form": form,
        "pages": pages,
        "charts": [*charts(data), review_accuracy_chart(db, filters)],
        "key_figures": key_figures(data),
        "export_url": "/console/pilotage/export.csv?" + period_query(filters),
    }
    return render_page(request, PAGE_TEMPLATE, context, current)


@router.get("/pilotage/export.csv", response_model=None)
def pilotage_export(
    request: Request,
    current: PageAgent,
    db: DbSession,
    period: Annotated[PeriodQuery, Depends()],
) -> Response:
    checked = _supervised_data(request, current, db, period)
    if isinstance(checked, HTMLResponse):
        return checked
    _, data = checked
    return Response(
        to_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{file_name(data)}"',
            "Cache-Control": "no-store",
        },
    )


def install_pilotage(app: FastAPI) -> None:
    """Mount the page, its export, the quality review's page (its chart is drawn here) and
    DSFR Chart's built files on ``app`` (before the app's own ``/static``, which would shadow
    them)."""
    app.include_router(router)
    app.include_router(review_router)  # /console/relecture: the quality review
    if not (DSFR_CHART_DIST / "DSFRChart.js").is_file():
        logger.error(
            "DSFR Chart introuvable dans %s : lancez `npm ci` à la racine du projet (la page "
            "Pilotage n'affichera que les tableaux de données).",
            DSFR_CHART_DIST,
        )
        return
    app.mount(DSFR_CHART_URL, StaticFiles(directory=DSFR_CHART_DIST), name="dsfr-chart")

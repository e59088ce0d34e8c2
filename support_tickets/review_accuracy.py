"""« Exactitude des réponses relues »: the share of reviewed answers judged « juste », by
week, for the Pilotage page.

A reviewed turn counts in the week (Monday to Sunday, Paris time) it was *answered* in, so
the chart follows the assistant's quality over time, whenever the review happened; the
Pilotage period and page filter select the turns by that date and page too. The share is
« juste » over every verdict (« fausse » and « à clarifier » count as not right). Weeks
without any reviewed turn are left out of the line and of its table. Verdicts are grouped by
UTC hour in SQL and the hours folded into Paris days in Python, as the other charts do.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from support_tickets.pilotage import PilotageFilters, paris_day
from support_tickets.pilotage_charts import Chart, percent_text
from support_tickets.pilotage_sql import utc_hour
from support_tickets.review_models import (
    VERDICT_RIGHT,
    VERDICT_UNCLEAR,
    VERDICT_WRONG,
    QualityReview,
)

CHART_KEY = "review_accuracy"
CHART_TITLE = "Exactitude des réponses relues"
SERIES_NAME = "Part des réponses justes"
EMPTY = (
    "Aucun échange relu sur la période : les verdicts de la page « Relecture » apparaîtront ici."
)


@dataclass(frozen=True)
class WeekAccuracy:
    """The verdicts on the turns answered in the week starting on ``monday``."""

    monday: dt.date
    right: int = 0
    wrong: int = 0
    unclear: int = 0

    @property
    def reviewed(self) -> int:
        return self.right + self.wrong + self.unclear

    @property
    def percent(self) -> float | None:
        return round(100 * self.right / self.reviewed, 1) if self.reviewed else None


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def accuracy_by_week(session: Session, filters: PilotageFilters) -> list[WeekAccuracy]:
    """The weeks of the period with at least one reviewed turn, in order."""
    first, after = filters.bounds()
    hour = utc_hour(QualityReview.answered_at)
    conditions = [
        QualityReview.answered_at >= first,
        QualityReview.answered_at < after,
        QualityReview.verdict.is_not(None),
    ]
    if filters.page is not None:
        conditions.append(QualityReview.page == filters.page)
    rows = session.execute(
        select(hour, QualityReview.verdict, func.count())
        .where(*conditions)
        .group_by(hour, QualityReview.verdict)
    ).all()
    counts: dict[dt.date, dict[str, int]] = {}
    for hour_text, verdict, count in rows:
        week = counts.setdefault(monday_of(paris_day(hour_text)), {})
        week[str(verdict)] = week.get(str(verdict), 0) + int(count)
    return [
        WeekAccuracy(
            monday,
            right=week.get(VERDICT_RIGHT, 0),
            wrong=week.get(VERDICT_WRONG, 0),
            unclear=week.get(VERDICT_UNCLEAR, 0),
        )
        for monday, week in sorted(counts.items())
    ]


def week_label(monday: dt.date) -> str:
    return "Semaine du " + monday.strftime("%d/%m/%y")


def accuracy_chart(weeks: list[WeekAccuracy]) -> Chart:
    """The line of the share « juste » by week, with its data table."""
    labels = [week_label(w.monday) for w in weeks]
    percents = [w.percent or 0.0 for w in weeks]
    attributes = {
        "x": json.dumps([labels]),
        "y": json.dumps([percents]),
        "name": json.dumps([SERIES_NAME]),
        "y-min": "0",
        "y-max": "100",
        "unit-tooltip": "%",
    }
    head = ["Semaine", "Relus", "Justes", "Fausses", "À clarifier", "Part juste"]
    rows = [
        [
            label,
            str(w.reviewed),
            str(w.right),
            str(w.wrong),
            str(w.unclear),
            percent_text(w.percent),
        ]
        for label, w in zip(labels, weeks, strict=True)
    ]
    empty = None if weeks else EMPTY
    return Chart(CHART_KEY, CHART_TITLE, "line-chart", attributes, head, rows, empty)


def review_accuracy_chart(session: Session, filters: PilotageFilters) -> Chart:
    """The Pilotage chart of ``filters``' period and page."""
    return accuracy_chart(accuracy_by_week(session, filters))

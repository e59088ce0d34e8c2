"""Pilotage: what the assistant and the support desk did over a period, for supervisors.

Every figure is an SQL aggregate (``GROUP BY``) over the stored chat turns
(:class:`portal.conversations.models.ChatTurn`) and tickets, so the page holds at 100,000 turns
and more. Rows are grouped by UTC hour in SQL (:mod:`support_tickets.pilotage_sql`) and the
hours folded into Paris days here: a day is a French calendar day, summer time included.

What a turn came to (« répartition des réponses »), first match wins:

- ``unavailable``: Rasa or the action server could not answer (``outcome``);
- ``escalated``: the user asked for a person or accepted to open a request
  (intent in :data:`ESCALATION_INTENTS`);
- ``answered`` / ``clarified`` / ``abstained``: the decision of the turn's last
  knowledge-base record (``answer``, ``clarify``, ``abstain``), as in
  :mod:`assistant.evaluation_outcomes`;
- ``other``: anything else (greetings, status look-ups, the support form's questions).

Reply latency percentiles are nearest-rank percentiles computed in Python over the
``latency_ms`` column of the period (SQLite has no percentile function), read whole up to
:data:`LATENCY_SAMPLE_MAX` turns and from an even sample of the ids beyond.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from portal.conversations.models import ChatTurn
from support_tickets.models import Ticket
from support_tickets.pilotage_sql import UTC_HOUR_FORMAT, last_decision, utc_hour
from support_tickets.sla import PARIS
from support_tickets.validation import MAX_PAGE_CHARS, NUL

PERIOD_DEFAULT_DAYS = 30  # the period shown when none is chosen: the last 30 days
PERIOD_MAX_DAYS = 366  # the longest period one page or export aggregates
TOP_INTENTS = 10  # intents shown in « intentions les plus fréquentes »
PAGE_CHOICES = 50  # portal pages offered in the page filter (the busiest ones)
LATENCY_SAMPLE_MAX = 100_000  # latencies read for the percentiles; an even sample beyond
ESCALATION_INTENTS = ("ask_human", "open_ticket")
UNAVAILABLE_OUTCOME = "unavailable"  # ChatTurn.outcome when the assistant could not answer
FEEDBACK_POSITIVE = "positive"  # ChatTurn.feedback: thumbs up
FEEDBACK_NEGATIVE = "negative"  # ChatTurn.feedback: thumbs down
DECISION_OUTCOMES = {"answer": "answered", "clarify": "clarified", "abstain": "abstained"}
OUTCOME_LABELS: dict[str, str] = {
    "answered": "Répondu",
    "clarified": "Précision demandée",
    "abstained": "Sans réponse",
    "escalated": "Transmis au support",
    "other": "Autres échanges",
    "unavailable": "Assistant indisponible",
}
# Intent names as Rasa writes them; anything else is counted under OTHER_INTENT (the chart
# library writes labels into its tooltip as HTML, so only plain names reach it).
INTENT_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
OTHER_INTENT = "autre"
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FRENCH_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")


class PilotageInputError(Exception):
    """A filter of the Pilotage page is invalid; ``message`` is French, shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PilotageFilters:
    """The period (Paris calendar days, both included) and the portal page, if any."""

    start: dt.date
    end: dt.date
    page: str | None = None

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as UTC instants: from the first day's midnight to the next day's after
        the last, in Paris time."""
        first = dt.datetime.combine(self.start, dt.time(0), tzinfo=PARIS)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)
        return first.astimezone(dt.UTC), after.astimezone(dt.UTC)


def parse_date(text: str | None, what: str) -> dt.date | None:
    """A date typed as ``AAAA-MM-JJ`` (the date field) or ``JJ/MM/AAAA``; None when empty."""
    value = (text or "").strip()
    if not value:
        return None
    match = FRENCH_DATE.fullmatch(value)
    iso = f"{match[3]}-{match[2]}-{match[1]}" if match else value
    try:
        if ISO_DATE.fullmatch(iso):
            return dt.date.fromisoformat(iso)
    except ValueError:
        pass
    raise PilotageInputError(
        f"La date {what} n'est pas une date valide : saisissez-la au format JJ/MM/AAAA."
    )


def parse_filters(
    start: str | None, end: str | None, page: str | None, today: dt.date
) -> PilotageFilters:
    """The filters of the page from its query, checked; raises :class:`PilotageInputError`."""
    last = parse_date(end, "de fin") or today
    first = parse_date(start, "de début") or last - dt.timedelta(days=PERIOD_DEFAULT_DAYS - 1)
    if first > last:
        raise PilotageInputError("La date de début doit précéder la date de fin.")
    if (last - first).days + 1 > PERIOD_MAX_DAYS:
        raise PilotageInputError(
            f"La période ne peut pas dépasser {PERIOD_MAX_DAYS} jours : réduisez-la."
        )
    wanted = (page or "").strip()
    if len(wanted) > MAX_PAGE_CHARS or NUL in wanted:
        raise PilotageInputError("La page choisie n'est pas valide.")
    return PilotageFilters(first, last, wanted or None)


@dataclass(frozen=True)
class Share:
    """How many of the measured cases kept to the target."""

    kept: int
    measured: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.kept / self.measured, 1) if self.measured else None


@dataclass
class Pilotage:
    """The aggregates of one period and page; lists by day follow ``days``."""

    filters: PilotageFilters
    days: list[dt.date]
    turns_per_day: list[int]
    outcomes: dict[str, int]
    feedback_positive: list[int]
    feedback_negative: list[int]
    top_intents: list[tuple[str, int]]
    latency_days: list[dt.date] = field(default_factory=list)
    latency_p50_by_day: list[float] = field(default_factory=list)
    latency_p95_by_day: list[float] = field(default_factory=list)
    latency_p50: float | None = None
    latency_p95: float | None = None
    latency_sampled: bool = False
    tickets_opened: list[int] = field(default_factory=list)
    tickets_resolved: list[int] = field(default_factory=list)
    sla_first_response: Share = Share(0, 0)
    sla_resolution: Share = Share(0, 0)
    pages: list[str] = field(default_factory=list)

    @property
    def total_turns(self) -> int:
        return sum(self.turns_per_day)

    def outcome_percent(self, outcome: str) -> float | None:
        total = self.total_turns
        return round(100 * self.outcomes[outcome] / total, 1) if total else None


@lru_cache(maxsize=(PERIOD_MAX_DAYS + 2) * 24)
def paris_day(hour: str) -> dt.date:
    """The Paris calendar day of a UTC hour written ``2026-11-27 14``."""
    instant = dt.datetime.strptime(hour, UTC_HOUR_FORMAT).replace(tzinfo=dt.UTC)
    return instant.astimezone(PARIS).date()


def per_day(rows: Iterable[Sequence[Any]], days: list[dt.date]) -> list[int]:
    """Counts by UTC hour (``(hour, count)`` rows) summed by Paris day, one per day."""
    index = {day: i for i, day in enumerate(days)}
    counts = [0] * len(days)
    for hour, count in rows:
        position = index.get(paris_day(hour))
        if position is not None:
            counts[position] += int(count)
    return counts


def percentile(ordered: Sequence[float], rank: float) -> float:
    """The nearest-rank percentile ``rank`` (0-100) of values sorted in ascending order."""
    position = max(1, math.ceil(rank / 100 * len(ordered)))
    return float(ordered[position - 1])


def _in_period(
    column: InstrumentedAttribute[Any],
    page_column: InstrumentedAttribute[Any],
    filters: PilotageFilters,
) -> list[ColumnElement[bool]]:
    first, after = filters.bounds()
    conditions = [column >= first, column < after]
    if filters.page is not None:
        conditions.append(page_column == filters.page)
    return conditions


def _turns_in_period(filters: PilotageFilters) -> list[ColumnElement[bool]]:
    return _in_period(ChatTurn.created_at, ChatTurn.page, filters)


def _outcome_counts(session: Session, filters: PilotageFilters) -> dict[str, int]:
    decision = last_decision(ChatTurn.kb)
    category = case(
        (ChatTurn.outcome == UNAVAILABLE_OUTCOME, "unavailable"),
        (ChatTurn.intent.in_(ESCALATION_INTENTS), "escalated"),
        *((decision == name, outcome) for name, outcome in DECISION_OUTCOMES.items()),
        else_="other",
    )
    # Grouped from a subquery: PostgreSQL cannot match a GROUP BY expression holding bound
    # parameters with the same expression in the select list.
    labelled = select(category.label("category")).where(*_turns_in_period(filters)).subquery()
    rows = session.execute(
        select(labelled.c.category, func.count()).group_by(labelled.c.category)
    ).all()
    counts = dict.fromkeys(OUTCOME_LABELS, 0)
    for name, count in rows:
        counts[str(name)] += int(count)
    return counts


def _hourly(
    session: Session,
    column: InstrumentedAttribute[Any],
    conditions: list[ColumnElement[bool]],
) -> list[Any]:
    hour = utc_hour(column)
    return list(session.execute(select(hour, func.count()).where(*conditions).group_by(hour)))


def _turns_and_feedback(
    session: Session, filters: PilotageFilters
) -> tuple[list[int], list[int], list[int]]:
    """Turns, thumbs up and thumbs down by day, from one grouping by hour and feedback."""
    hour = utc_hour(ChatTurn.created_at)
    rows = session.execute(
        select(hour, ChatTurn.feedback, func.count())
        .where(*_turns_in_period(filters))
        .group_by(hour, ChatTurn.feedback)
    ).all()
    days = filters.days
    turns = per_day(((h, n) for h, _, n in rows), days)
    up = per_day(((h, n) for h, value, n in rows if value == FEEDBACK_POSITIVE), days)
    down = per_day(((h, n) for h, value, n in rows if value == FEEDBACK_NEGATIVE), days)
    return turns, up, down


def _top_intents(session: Session, filters: PilotageFilters) -> list[tuple[str, int]]:
    count = func.count().label("n")
    rows = session.execute(
        select(ChatTurn.intent, count)
        .where(*_turns_in_period(filters), ChatTurn.intent.is_not(None))
        .group_by(ChatTurn.intent)
        .order_by(count.desc(), ChatTurn.intent)
        .limit(TOP_INTENTS)
    ).all()
    merged: dict[str, int] = {}
    for intent, n in rows:
        name = str(intent) if INTENT_NAME.fullmatch(str(intent)) else OTHER_INTENT
        merged[name] = merged.get(name, 0) + int(n)
    return list(merged.items())


def _latencies(session: Session, filters: PilotageFilters, total: int, result: Pilotage) -> None:
    """Fill the latency percentiles of ``result``: by day and over the period."""
    conditions = _turns_in_period(filters)
    if total > LATENCY_SAMPLE_MAX:
        conditions.append(ChatTurn.id % math.ceil(total / LATENCY_SAMPLE_MAX) == 0)
        result.latency_sampled = True
    rows = session.execute(
        select(utc_hour(ChatTurn.created_at), ChatTurn.latency_ms).where(*conditions)
    )
    by_day: dict[dt.date, list[float]] = defaultdict(list)
    for hour, latency in rows:
        by_day[paris_day(hour)].append(float(latency))
    for day in sorted(by_day):
        ordered = sorted(by_day[day])
        result.latency_days.append(day)
        result.latency_p50_by_day.append(percentile(ordered, 50))
        result.latency_p95_by_day.append(percentile(ordered, 95))
    every = sorted(value for values in by_day.values() for value in values)
    if every:
        result.latency_p50 = percentile(every, 50)
        result.latency_p95 = percentile(every, 95)


def _sla_share(
    session: Session,
    filters: PilotageFilters,
    done: InstrumentedAttribute[Any],
    due: InstrumentedAttribute[Any],
) -> Share:
    """Of the tickets whose ``done`` instant falls in the period (with a deadline), how many
    were done by their ``due`` deadline."""
    kept = func.count(case((done <= due, 1)))
    row = session.execute(
        select(kept, func.count()).where(*_in_period(done, Ticket.page, filters), due.is_not(None))
    ).one()
    return Share(int(row[0]), int(row[1]))


def _tickets(session: Session, filters: PilotageFilters, result: Pilotage) -> None:
    opened = _in_period(Ticket.created_at, Ticket.page, filters)
    resolved = _in_period(Ticket.resolved_at, Ticket.page, filters)
    result.tickets_opened = per_day(_hourly(session, Ticket.created_at, opened), result.days)
    result.tickets_resolved = per_day(_hourly(session, Ticket.resolved_at, resolved), result.days)
    result.sla_first_response = _sla_share(
        session, filters, Ticket.first_response_at, Ticket.first_response_due
    )
    result.sla_resolution = _sla_share(session, filters, Ticket.resolved_at, Ticket.resolution_due)


def busiest_pages(session: Session, filters: PilotageFilters) -> list[str]:
    """The portal pages of the period's turns, busiest first (the page filter's choices)."""
    count = func.count().label("n")
    everywhere = PilotageFilters(filters.start, filters.end)
    rows = session.execute(
        select(ChatTurn.page, count)
        .where(*_turns_in_period(everywhere), ChatTurn.page.is_not(None))
        .group_by(ChatTurn.page)
        .order_by(count.desc(), ChatTurn.page)
        .limit(PAGE_CHOICES)
    ).all()
    return [str(page) for page, _ in rows]


def compute(session: Session, filters: PilotageFilters) -> Pilotage:
    """Every aggregate of the Pilotage page for ``filters``."""
    turns, up, down = _turns_and_feedback(session, filters)
    result = Pilotage(
        filters=filters,
        days=filters.days,
        turns_per_day=turns,
        outcomes=_outcome_counts(session, filters),
        feedback_positive=up,
        feedback_negative=down,
        top_intents=_top_intents(session, filters),
        pages=busiest_pages(session, filters),
    )
    _latencies(session, filters, result.total_turns, result)
    _tickets(session, filters, result)
    return result

"""SLA timers in French business hours: Monday to Friday, opening hours from the settings,
French public holidays (``holidays.France``) excluded, in the Europe/Paris time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from support_tickets.config import SupportSettings, get_support_settings
from support_tickets.models import Ticket, as_utc, utcnow
from support_tickets.taxonomy import (
    OPEN_STATUSES,
    SLA_AT_RISK,
    SLA_BREACHED,
    SLA_OK,
    STATUS_CLOSED,
    STATUS_RESOLVED,
    SlaState,
)

PARIS = ZoneInfo("Europe/Paris")
MAX_DAYS_SCANNED = 3660  # a guard for absurd delays: ten years of calendar days


@lru_cache(maxsize=32)
def _french_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _french_holidays(day.year)


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours of the support desk (local time)."""

    start_hour: int = 9
    end_hour: int = 18

    @classmethod
    def from_settings(cls, settings: SupportSettings | None = None) -> BusinessCalendar:
        settings = settings or get_support_settings()
        return cls(settings.business_day_start_hour, settings.business_day_end_hour)

    def _opening(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(day, dt.time(self.start_hour), tzinfo=PARIS)
        end = dt.datetime.combine(day, dt.time(self.end_hour), tzinfo=PARIS)
        return start, end

    def add_business_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The instant (UTC) when ``hours`` business hours have elapsed from ``start``."""
        remaining = dt.timedelta(hours=hours)
        current = as_utc(start).astimezone(PARIS)
        for _ in range(MAX_DAYS_SCANNED):
            day = current.date()
            open_at, close_at = self._opening(day)
            if is_business_day(day) and current < close_at:
                current = max(current, open_at)
                available = close_at - current
                if remaining <= available:
                    return (current + remaining).astimezone(dt.UTC)
                remaining -= available
            next_day = day + dt.timedelta(days=1)
            current = dt.datetime.combine(next_day, dt.time(0), tzinfo=PARIS)
        raise ValueError("Délai SLA hors de portée.")

    def business_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Business hours elapsed between two instants (0 when ``end`` precedes ``start``)."""
        begin = as_utc(start).astimezone(PARIS)
        finish = as_utc(end).astimezone(PARIS)
        if finish <= begin:
            return 0.0
        total = dt.timedelta()
        day = begin.date()
        while day <= finish.date():
            if is_business_day(day):
                open_at, close_at = self._opening(day)
                low, high = max(open_at, begin), min(close_at, finish)
                if high > low:
                    total += high - low
            day += dt.timedelta(days=1)
        return total.total_seconds() / 3600.0


@dataclass(frozen=True)
class SlaStatus:
    """Where a ticket stands against its two deadlines."""

    state: SlaState
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    first_response_state: SlaState | None  # None once answered (or not applicable)
    resolution_state: SlaState | None  # None once resolved/closed


def deadlines(
    created_at: dt.datetime, priority: str, settings: SupportSettings | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """First-response and resolution deadlines of a ticket created at ``created_at``."""
    settings = settings or get_support_settings()
    calendar = BusinessCalendar.from_settings(settings)
    return (
        calendar.add_business_hours(created_at, settings.first_response_hours[priority]),
        calendar.add_business_hours(created_at, settings.resolution_hours[priority]),
    )


def _timer_state(
    calendar: BusinessCalendar,
    start: dt.datetime,
    budget_hours: float,
    now: dt.datetime,
    ratio: float,
) -> SlaState:
    elapsed = calendar.business_hours_between(start, now)
    if elapsed >= budget_hours:
        return SLA_BREACHED
    if elapsed >= ratio * budget_hours:
        return SLA_AT_RISK
    return SLA_OK


def sla_status(
    ticket: Ticket, now: dt.datetime | None = None, settings: SupportSettings | None = None
) -> SlaStatus:
    """The SLA state of ``ticket`` at ``now``: the worse of its running timers.

    The first-response timer stops at the first public agent reply; the resolution timer at
    « résolu » or « clos ». A ticket is flagged « échéance proche » once ``sla_at_risk_ratio``
    of a delay is consumed, « délai dépassé » past the deadline.
    """
    settings = settings or get_support_settings()
    now = as_utc(now) or dt.datetime.now(dt.UTC)
    calendar = BusinessCalendar.from_settings(settings)
    created = as_utc(ticket.created_at) or now
    first_due, resolution_due = deadlines(created, ticket.priority, settings)
    ratio = settings.sla_at_risk_ratio
    first_state: SlaState | None = None
    if ticket.first_response_at is None and ticket.status in OPEN_STATUSES:
        first_state = _timer_state(
            calendar, created, settings.first_response_hours[ticket.priority], now, ratio
        )
    resolution_state: SlaState | None = None
    if ticket.status not in (STATUS_RESOLVED, STATUS_CLOSED):
        resolution_state = _timer_state(
            calendar, created, settings.resolution_hours[ticket.priority], now, ratio
        )
    ranks = {SLA_OK: 0, SLA_AT_RISK: 1, SLA_BREACHED: 2}
    running = [s for s in (first_state, resolution_state) if s is not None]
    state = max(running, key=ranks.__getitem__) if running else SLA_OK
    return SlaStatus(state, first_due, resolution_due, first_state, resolution_state)


def waited_business_hours(ticket: Ticket, now: dt.datetime | None = None) -> float:
    """Business hours since creation without a first reply (0 once answered)."""
    if ticket.first_response_at is not None:
        return 0.0
    calendar = BusinessCalendar.from_settings()
    return calendar.business_hours_between(
        as_utc(ticket.created_at) or utcnow(), as_utc(now) or utcnow()
    )

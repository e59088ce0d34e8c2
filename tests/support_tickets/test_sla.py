"""SLA deadlines in French business hours, across weekends and public holidays."""

from __future__ import annotations

import datetime as dt

from support_tickets.config import SupportSettings
from support_tickets.models import Ticket
from support_tickets.sla import PARIS, BusinessCalendar, deadlines, is_business_day, sla_status

CALENDAR = BusinessCalendar(9, 18)


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def test_is_business_day_excludes_weekend_and_holidays() -> None:
    assert is_business_day(dt.date(2026, 5, 13))  # Wednesday
    assert not is_business_day(dt.date(2026, 5, 16))  # Saturday
    assert not is_business_day(dt.date(2026, 5, 14))  # Ascension Thursday
    assert not is_business_day(dt.date(2026, 12, 25))  # Christmas


def test_add_business_hours_skips_weekend() -> None:
    # Friday 16:00 + 4 h: 2 h on Friday, then Monday 9:00 + 2 h.
    due = CALENDAR.add_business_hours(paris(2026, 3, 13, 16, 0), 4)
    assert due == paris(2026, 3, 16, 11, 0)


def test_add_business_hours_skips_weekend_and_holiday() -> None:
    # Friday 3 April 2026 17:00 + 2 h: Easter Monday (6 April) is a holiday → Tuesday 10:00.
    due = CALENDAR.add_business_hours(paris(2026, 4, 3, 17, 0), 2)
    assert due == paris(2026, 4, 7, 10, 0)


def test_add_business_hours_from_night_and_holiday_bridge() -> None:
    # Wednesday 13 May 2026 at 22:00; Thursday 14 is Ascension: the clock starts Friday 9:00.
    due = CALENDAR.add_business_hours(paris(2026, 5, 13, 22, 0), 10)
    # Friday 9 h of work (9:00–18:00), weekend, Monday 18 May 9:00 + 1 h.
    assert due == paris(2026, 5, 18, 10, 0)


def test_business_hours_between_counts_only_open_hours() -> None:
    hours = CALENDAR.business_hours_between(paris(2026, 4, 3, 17, 0), paris(2026, 4, 7, 10, 0))
    assert hours == 2.0
    assert CALENDAR.business_hours_between(paris(2026, 4, 4, 10), paris(2026, 4, 6, 17)) == 0.0
    assert CALENDAR.business_hours_between(paris(2026, 4, 7, 10), paris(2026, 4, 7, 9)) == 0.0


def test_add_business_hours_across_dst_change() -> None:
    # Summer time starts Sunday 29 March 2026: Friday 17:00 + 3 h → Monday 11:00 local.
    due = CALENDAR.add_business_hours(paris(2026, 3, 27, 17, 0), 3)
    assert due == paris(2026, 3, 30, 11, 0)
    assert due.utcoffset() == dt.timedelta(0)  # returned in UTC


def _ticket(created: dt.datetime, priority: str = "normale", status: str = "nouveau") -> Ticket:
    return Ticket(
        number="SUP-2026-999999",
        status=status,
        priority=priority,
        category="compte",
        email="a@exemple.fr",
        description="Une demande de test.",
        created_at=created,
    )


def test_sla_status_flags_at_risk_then_breached() -> None:
    settings = SupportSettings(
        first_response_hours={"urgente": 2, "haute": 4, "normale": 8, "basse": 16}
    )
    ticket = _ticket(paris(2026, 3, 13, 16, 0))  # Friday 16:00, 8 h first-response budget
    assert sla_status(ticket, paris(2026, 3, 13, 17, 0), settings).state == "ok"
    # Monday 12:00: 2 + 3 = 5 h of 8 → ok; 14:00: 7 h ≥ 75 % → at risk; Tuesday 10:00 → breached.
    assert sla_status(ticket, paris(2026, 3, 16, 12, 0), settings).state == "ok"
    assert sla_status(ticket, paris(2026, 3, 16, 14, 0), settings).state == "a_risque"
    assert sla_status(ticket, paris(2026, 3, 17, 10, 0), settings).state == "depasse"
    # The weekend does not count: Sunday evening is still fine.
    assert sla_status(ticket, paris(2026, 3, 15, 23, 0), settings).state == "ok"


def test_sla_status_stops_first_response_timer_when_answered() -> None:
    ticket = _ticket(paris(2026, 3, 13, 16, 0))
    ticket.first_response_at = paris(2026, 3, 13, 16, 30)
    status = sla_status(ticket, paris(2026, 3, 17, 10, 0))
    assert status.first_response_state is None
    assert status.resolution_state == "ok"  # 36 h budget, 11 h elapsed


def test_sla_status_resolved_ticket_has_no_running_timer() -> None:
    ticket = _ticket(paris(2026, 1, 5, 9, 0), status="resolu")
    status = sla_status(ticket, paris(2026, 6, 1, 9, 0))
    assert status.state == "ok" and status.resolution_state is None


def test_deadlines_follow_priority() -> None:
    created = paris(2026, 3, 13, 16, 0)
    urgent_first, urgent_resolution = deadlines(created, "urgente")
    low_first, _ = deadlines(created, "basse")
    assert urgent_first == paris(2026, 3, 13, 18, 0)
    assert urgent_resolution == paris(2026, 3, 16, 16, 0)  # 2 h Friday + 7 h Monday
    assert low_first > urgent_first

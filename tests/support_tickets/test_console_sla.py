"""The SLA as the console shows it: business hours left before the next deadline, in French,
and the « bientôt en retard » / « en retard » badges."""

from __future__ import annotations

import datetime as dt

import pytest

from support_tickets.console_sla import format_duration, sla_view, time_left_text
from support_tickets.models import Ticket
from support_tickets.sla import PARIS


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (3 + 20 / 60, "3 h 20 restantes"),
        (1.0, "1 h restante"),
        (2.0, "2 h restantes"),
        (0.75, "45 min restantes"),
        (-(1 + 5 / 60), "dépassé de 1 h 05"),
    ],
)
def test_console_sla_time_left_text(hours: float, expected: str) -> None:
    assert time_left_text(hours) == expected


def test_console_sla_format_duration_rounds_to_the_minute() -> None:
    assert format_duration(2.999) == "3 h"
    assert format_duration(0.01) == "1 min"


def _ticket(created: dt.datetime, priority: str = "normale") -> Ticket:
    return Ticket(
        number="SUP-2026-999999",
        status="nouveau",
        priority=priority,
        category="autre",
        email="x@exemple.fr",
        description="Une demande de test.",
        created_at=created,
    )


def test_console_sla_counts_business_hours_only() -> None:
    # Friday 16:00 in Paris, first reply within 8 business hours: due Monday 15:00 (2 h on
    # Friday, 6 h on Monday), so on Saturday noon 8 h are left, not the calendar's 51 h.
    friday = dt.datetime(2026, 11, 27, 16, 0, tzinfo=PARIS)
    saturday = dt.datetime(2026, 11, 28, 12, 0, tzinfo=PARIS)
    view = sla_view(_ticket(friday), now=saturday)
    assert view.text == "6 h restantes" and view.badge is None
    assert view.due == dt.datetime(2026, 11, 30, 15, 0, tzinfo=PARIS)


def test_console_sla_badges_soon_late_then_late() -> None:
    monday = dt.datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
    soon = sla_view(_ticket(monday), now=monday + dt.timedelta(hours=7))
    assert soon.badge == ("bientôt en retard", "warning") and soon.text == "1 h restante"
    late = sla_view(_ticket(monday), now=monday + dt.timedelta(hours=8, minutes=30))
    assert late.badge == ("en retard", "error") and late.text == "dépassé de 30 min"

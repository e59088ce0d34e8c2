"""How the console shows a ticket's SLA: the business hours left before its next deadline
(« 3 h 20 restantes ») and a DSFR badge, « bientôt en retard » or « en retard ».

The hours are French business hours (:mod:`support_tickets.sla`). A ticket is « bientôt en
retard » from the same threshold as the queue's « Échéance proche » filter and counts: the
share ``SupportSettings.sla_at_risk_ratio`` of a delay consumed (one rule, so a badge and a
filter never disagree).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from support_tickets.models import Ticket, as_utc, utcnow
from support_tickets.sla import BusinessCalendar, SlaStatus, sla_status
from support_tickets.taxonomy import SLA_AT_RISK, SLA_BREACHED, SLA_OK

# The console's badge of each SLA state: (French label, DSFR badge variant); no badge when ok.
SLA_BADGES: dict[str, tuple[str, str]] = {
    SLA_AT_RISK: ("bientôt en retard", "warning"),
    SLA_BREACHED: ("en retard", "error"),
}
# The queue's SLA filter, worded like the badges.
SLA_FILTER_LABELS: dict[str, str] = {
    SLA_OK: "Dans les délais",
    SLA_AT_RISK: "Bientôt en retard",
    SLA_BREACHED: "En retard",
}
MINUTES_PER_HOUR = 60


@dataclass(frozen=True)
class SlaView:
    """What the queue and the ticket page show of a running SLA timer."""

    state: str
    due: dt.datetime | None  # the next deadline of a running timer (None: none runs)
    hours_left: float | None  # business hours before ``due`` (negative once past)
    text: str  # « 3 h 20 restantes », « dépassé de 1 h 05 », « — »

    @property
    def badge(self) -> tuple[str, str] | None:
        return SLA_BADGES.get(self.state)


def format_duration(hours: float) -> str:
    """``3 h 20``, ``2 h``, ``45 min`` (rounded to the minute)."""
    minutes = round(abs(hours) * MINUTES_PER_HOUR)
    whole, rest = divmod(minutes, MINUTES_PER_HOUR)
    if whole == 0:
        return f"{rest} min"
    return f"{whole} h {rest:02d}" if rest else f"{whole} h"


def time_left_text(hours: float) -> str:
    """« 3 h 20 restantes », « 1 h restante », « dépassé de 1 h 05 »."""
    if hours <= 0:
        return f"dépassé de {format_duration(hours)}" if hours < 0 else "échéance atteinte"
    minutes = round(hours * MINUTES_PER_HOUR)
    plural = "" if minutes in (1, MINUTES_PER_HOUR) else "s"
    return f"{format_duration(hours)} restante{plural}"


def next_deadline(status: SlaStatus) -> dt.datetime | None:
    """The earliest deadline among the running timers."""
    running = [
        due
        for due, state in (
            (status.first_response_due, status.first_response_state),
            (status.resolution_due, status.resolution_state),
        )
        if state is not None and due is not None
    ]
    return min(running) if running else None


def sla_view(
    ticket: Ticket, now: dt.datetime | None = None, status: SlaStatus | None = None
) -> SlaView:
    """The SLA of ``ticket`` at ``now`` as the console shows it."""
    now = as_utc(now) or utcnow()
    status = status or sla_status(ticket, now)
    due = next_deadline(status)
    if due is None:
        return SlaView(SLA_OK, None, None, "—")
    calendar = BusinessCalendar.from_settings()
    due = as_utc(due) or due
    if due > now:
        hours = calendar.business_hours_between(now, due)
    else:
        hours = -calendar.business_hours_between(due, now)
    return SlaView(status.state, due, hours, time_left_text(hours))

"""Seeded chat turns and tickets of the Pilotage tests, with the figures they must give.

The period is the week of Paris days that started 20 days ago (within the chat retention,
which the app applies at start-up, and before any turn the other tests write); the turns and
tickets sit on two pages of their own. A turn at 00:30 Paris time falls on the day before in
UTC, so the folding of UTC hours into Paris days is checked.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from portal.conversations.models import ChatTurn
from support_tickets.models import Ticket

PARIS = ZoneInfo("Europe/Paris")
START = dt.datetime.now(PARIS).date() - dt.timedelta(days=20)
END = START + dt.timedelta(days=6)
USER_EMAIL_DOMAIN = "pilotage-usager.example"
USER_TEXT = "Question confidentielle de Jeanne Martin"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """``hour:minute`` Paris time on the period's day ``day`` (0 = START), in UTC."""
    local = dt.datetime.combine(START + dt.timedelta(days=day), dt.time(hour, minute), PARIS)
    return local.astimezone(dt.UTC)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


@dataclass(frozen=True)
class Seeded:
    page_a: str
    page_b: str


# (created_at, outcome, intent, kb, latency_ms, feedback) of page A's turns.
TURNS_A: list[tuple[dt.datetime, str, str | None, Any, float, str | None]] = [
    (at(0, 10), "answered", "ask_question", [{"decision": "answer"}], 100, "positive"),
    (
        at(0, 11),
        "answered",
        "ask_question",
        [{"decision": "clarify"}, {"decision": "answer"}],
        200,
        "negative",
    ),
    (
        at(2, 0, 30),  # the day before in UTC
        "answered",
        "ask_question",
        [{"decision": "abstain"}, {"decision": "clarify"}],
        300,
        None,
    ),
    (at(2, 13), "answered", "nlu_fallback", [{"decision": "abstain"}], 400, "negative"),
    (at(3, 13), "answered", "ask_human", None, 500, None),
    (at(3, 14), "unavailable", None, None, 15000, None),
    (at(4, 9), "answered", "greet", None, 50, "positive"),
    (at(0, 0, 30), "answered", "open_ticket", None, 600, None),  # the day before in UTC
    # Outside the period, by half an hour each.
    (at(7, 0, 30), "answered", "ask_question", [{"decision": "answer"}], 70, None),
    (at(-1, 23, 30), "answered", "ask_question", [{"decision": "answer"}], 80, "positive"),
]

# Page A, Paris days START … END.
TURNS_PER_DAY = [3, 0, 2, 2, 1, 0, 0]
OUTCOMES = {
    "answered": 2,
    "clarified": 1,
    "abstained": 1,
    "escalated": 2,
    "other": 1,
    "unavailable": 1,
}
FEEDBACK_POSITIVE = [1, 0, 0, 0, 1, 0, 0]
FEEDBACK_NEGATIVE = [1, 0, 1, 0, 0, 0, 0]
TOP_INTENTS = [
    ("ask_question", 3),
    ("ask_human", 1),
    ("greet", 1),
    ("nlu_fallback", 1),
    ("open_ticket", 1),
]
LATENCY_DAYS = [day(0), day(2), day(3), day(4)]
LATENCY_P50_BY_DAY = [200.0, 300.0, 500.0, 50.0]
LATENCY_P95_BY_DAY = [600.0, 400.0, 15000.0, 50.0]
LATENCY_P50, LATENCY_P95 = 300.0, 15000.0
TICKETS_OPENED = [1, 0, 2, 0, 1, 0, 0]
TICKETS_RESOLVED = [0, 1, 0, 1, 0, 0, 0]
SLA_FIRST_RESPONSE = (2, 3)  # kept, measured
SLA_RESOLUTION = (1, 2)


def _turn(page: str, row: tuple[dt.datetime, str, str | None, Any, float, str | None]) -> ChatTurn:
    created, outcome, intent, kb, latency, feedback = row
    return ChatTurn(
        session_id=f"pilotage-{uuid.uuid4().hex}",
        created_at=created,
        user_text=USER_TEXT,
        replies=[{"text": "Réponse."}],
        outcome=outcome,
        intent=intent,
        intent_confidence=0.9 if intent else None,
        kb=kb,
        page=page,
        latency_ms=latency,
        feedback=feedback,
    )


def _ticket(page: str, created: dt.datetime, **fields: Any) -> Ticket:
    return Ticket(
        number=f"SUP-T-{uuid.uuid4().hex[:20]}",
        category="compte",
        email=f"{uuid.uuid4().hex[:8]}@{USER_EMAIL_DOMAIN}",
        description="Je n'arrive pas à me connecter depuis hier.",
        page=page,
        created_at=created,
        **fields,
    )


def _tickets(page: str) -> list[Ticket]:
    return [
        _ticket(  # both delays kept
            page,
            at(0, 11),
            first_response_at=at(0, 12),
            first_response_due=at(0, 18),
            resolved_at=at(1, 11),
            resolution_due=at(2, 11),
            status="resolu",
        ),
        _ticket(  # late first reply; resolved after the period
            page,
            at(2, 0, 30),
            first_response_at=at(4, 11),
            first_response_due=at(2, 17),
            resolved_at=at(8, 11),
            resolution_due=at(10, 11),
        ),
        _ticket(  # opened before the period, resolved late within it
            page,
            at(-6, 10),
            first_response_at=at(-6, 11),
            first_response_due=at(-6, 18),
            resolved_at=at(3, 10),
            resolution_due=at(-3, 10),
        ),
        _ticket(page, at(4, 10)),  # not answered yet
        _ticket(page, at(2, 9), first_response_at=at(2, 10), first_response_due=at(2, 16)),
    ]


def seed(session: Session) -> Seeded:
    """Store the turns and tickets of two fresh pages; returns the pages' names."""
    tag = uuid.uuid4().hex[:8]
    seeded = Seeded(f"/pilotage-a-{tag}", f"/pilotage-b-{tag}")
    session.add_all([_turn(seeded.page_a, row) for row in TURNS_A])
    b_row = (at(1, 11), "answered", "ask_question", [{"decision": "answer"}], 1000.0, None)
    session.add(_turn(seeded.page_b, b_row))
    session.add_all(_tickets(seeded.page_a))
    session.add(_ticket(seeded.page_b, at(1, 11)))
    session.commit()
    return seeded

"""The quality review against a real PostgreSQL server: the draw (the last decision record
read in PostgreSQL's JSON syntax), the review kept when the retention purge deletes its turn
(``ON DELETE SET NULL``), and the weekly accuracy (UTC hours folded into Paris weeks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from portal.conversations.retention import purge_expired_turns
from support_tickets.pilotage import PilotageFilters
from support_tickets.review_accuracy import accuracy_by_week
from support_tickets.review_models import REASON_NEGATIVE_FEEDBACK, QualityReview
from support_tickets.review_sampling import SamplingPlan, sample_turns
from support_tickets.sla import PARIS
from tests.postgres import throwaway_database
from tests.support_tickets.review_data import answer_record, make_review, make_turn

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
START = NOW - dt.timedelta(days=7)


@pytest.fixture
def pg_session() -> Iterator[Session]:
    with throwaway_database("review_pg") as url:
        engine = create_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            yield session
        engine.dispose()


def test_review_postgres_draw_and_purge(pg_session: Session) -> None:
    db = pg_session
    down = make_turn(START + dt.timedelta(hours=1), feedback="negative")
    clarified = make_turn(
        START + dt.timedelta(hours=2),
        feedback="negative",
        kb=[answer_record(), {**answer_record(), "decision": "clarify"}],
    )
    db.add_all([down, clarified])
    db.commit()
    plan = SamplingPlan(base_rate=0.0, low_margin=0.2, seed="tests")

    result = sample_turns(db, START, NOW, plan, now=NOW)
    again = sample_turns(db, START, NOW, plan, now=NOW)

    assert (result.considered, result.by_reason, again.drawn) == (
        1,
        {REASON_NEGATIVE_FEEDBACK: 1},
        0,
    )
    assert purge_expired_turns(db, now=NOW + dt.timedelta(days=200), days=90) == 2
    db.expire_all()
    (review,) = db.scalars(select(QualityReview))
    assert (review.turn_id, review.question) == (None, down.user_text)


def test_review_postgres_accuracy_by_paris_week(pg_session: Session) -> None:
    db = pg_session
    monday = dt.date(2026, 11, 2)
    late_sunday = dt.datetime.combine(monday, dt.time(0, 30), PARIS).astimezone(dt.UTC)
    db.add_all(
        [
            make_review(late_sunday, "juste"),  # Monday 00:30 in Paris, Sunday in UTC
            make_review(late_sunday + dt.timedelta(days=2), "fausse"),
            make_review(late_sunday - dt.timedelta(hours=1), "fausse"),  # the week before
        ]
    )
    db.commit()

    period = PilotageFilters(monday - dt.timedelta(days=7), monday + dt.timedelta(days=6))
    weeks = accuracy_by_week(db, period)

    assert [(w.monday, w.right, w.wrong) for w in weeks] == [
        (monday - dt.timedelta(days=7), 0, 1),
        (monday, 1, 1),
    ]

"""Drawing answered turns into the quality-review queue: who gets in, how often, only once,
and what a review keeps after the chat retention purge. A fresh migrated SQLite database per
test (the draw counts every turn of its period)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.conversations.models import ChatTurn
from portal.conversations.retention import purge_expired_turns
from support_tickets.review_models import (
    REASON_LOW_MARGIN,
    REASON_NEGATIVE_FEEDBACK,
    REASON_RANDOM,
    QualityReview,
)
from support_tickets.review_sampling import (
    REVIEW_BASE_RATE,
    SamplingPlan,
    chance,
    draw_value,
    sample_turns,
)
from support_tickets.reviews import erase_session_reviews
from tests.support_tickets.review_data import (  # noqa: F401 (fixtures)
    ANSWER,
    ENTRY,
    SOURCE_TITLE,
    SOURCE_URL,
    _migrated_file,
    answer_record,
    fresh_db,
    make_turn,
)

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
START, END = NOW - dt.timedelta(days=7), NOW
PLAN = SamplingPlan(base_rate=0.05, low_margin=0.2, low_margin_factor=4.0, seed="tests")


def _at(n: int) -> dt.datetime:
    """The ``n``-th minute of the period (turns spread within it)."""
    return START + dt.timedelta(minutes=n + 1)


def _reviews(db: Session) -> list[QualityReview]:
    return list(db.scalars(select(QualityReview).order_by(QualityReview.id)))


def test_review_sampling_always_takes_thumbs_down(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    down = [make_turn(_at(n), feedback="negative") for n in range(40)]
    db.add_all([*down, *(make_turn(_at(100 + n), feedback="positive") for n in range(40))])
    db.commit()
    plan = SamplingPlan(base_rate=0.0, low_margin=0.2, seed="tests")

    result = sample_turns(db, START, END, plan, now=NOW)

    assert result.considered == 80
    assert result.by_reason == {REASON_NEGATIVE_FEEDBACK: 40}
    assert {r.turn_id for r in _reviews(db)} == {t.id for t in down}


def test_review_sampling_weights_low_margins(fresh_db: Session) -> None:  # noqa: F811
    """2,000 answers, half with a lead under the threshold: those are drawn about four times
    as often (base 5 %, factor 4: ~200 against ~50), each count within 4 standard deviations
    of its expectation."""
    db = fresh_db
    db.add_all(make_turn(_at(n), margin=0.1 if n % 2 else 0.5) for n in range(2000))
    db.commit()

    result = sample_turns(db, START, END, PLAN, now=NOW)

    low, high = result.by_reason[REASON_LOW_MARGIN], result.by_reason[REASON_RANDOM]
    assert abs(low - 200) < 4 * (1000 * 0.2 * 0.8) ** 0.5, result
    assert abs(high - 50) < 4 * (1000 * 0.05 * 0.95) ** 0.5, result
    assert 2.5 < low / high < 6.5, result
    margins = {r.margin for r in _reviews(db) if r.reason == REASON_LOW_MARGIN}
    assert margins == {0.1}


def test_review_sampling_chance_by_case() -> None:
    assert chance("negative", 0.9, PLAN) == (1.0, REASON_NEGATIVE_FEEDBACK)
    assert chance(None, 0.19, PLAN) == (0.2, REASON_LOW_MARGIN)
    assert chance("positive", 0.2, PLAN) == (0.05, REASON_RANDOM)
    assert chance(None, None, PLAN) == (0.05, REASON_RANDOM)
    assert SamplingPlan().base_rate == REVIEW_BASE_RATE


def test_review_sampling_is_idempotent(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    db.add_all(make_turn(_at(n), margin=0.1) for n in range(300))
    db.commit()

    first = sample_turns(db, START, END, PLAN, now=NOW)
    again = sample_turns(db, START, END, PLAN, now=NOW)
    wider = sample_turns(db, START - dt.timedelta(days=3), END, PLAN, now=NOW)

    assert first.drawn > 0
    assert (again.drawn, wider.drawn) == (0, 0)
    assert db.scalar(select(func.count()).select_from(QualityReview)) == first.drawn


def test_review_sampling_adds_a_turn_thumbed_down_since(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    plan = SamplingPlan(base_rate=0.0, low_margin=0.2, seed="tests")
    turn = make_turn(_at(1))
    db.add(turn)
    db.commit()
    assert sample_turns(db, START, END, plan, now=NOW).drawn == 0

    turn.feedback = "negative"
    db.commit()

    assert sample_turns(db, START, END, plan, now=NOW).drawn == 1


def test_review_sampling_is_deterministic_per_seed() -> None:
    ids = list(range(1, 2001))
    drawn_a = {i for i in ids if draw_value("a", i) < 0.05}
    assert drawn_a == {i for i in ids if draw_value("a", i) < 0.05}
    assert drawn_a != {i for i in ids if draw_value("b", i) < 0.05}
    assert all(0.0 <= draw_value("a", i) < 1.0 for i in ids)


def test_review_sampling_takes_only_knowledge_answers(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    answered = make_turn(_at(1), feedback="negative")
    others = [
        make_turn(_at(2), feedback="negative", kb=[{**answer_record(), "decision": "clarify"}]),
        make_turn(_at(3), feedback="negative", kb=[{"decision": "abstain", "margin": 0.0}]),
        make_turn(_at(4), feedback="negative", kb=[]),
        make_turn(_at(5), feedback="negative", outcome="unavailable"),
        make_turn(_at(6), feedback="negative", text='/ask_question{"kb_entry_id":"faq-x"}'),
        make_turn(START - dt.timedelta(minutes=1), feedback="negative"),
        make_turn(END, feedback="negative"),
    ]
    db.add_all([answered, *others])
    db.commit()

    result = sample_turns(db, START, END, PLAN, now=NOW)

    assert (result.considered, result.drawn) == (1, 1)
    assert [r.turn_id for r in _reviews(db)] == [answered.id]


def test_review_sampling_copies_what_the_evaluation_needs(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    turn = make_turn(_at(1), feedback="negative", margin=0.07, page="Accueil")
    db.add(turn)
    db.commit()

    sample_turns(db, START, END, PLAN, now=NOW)

    (review,) = _reviews(db)
    assert review.question == "Comment créer mon compte ?"
    assert (review.answer_text, review.entry_id) == (ANSWER, ENTRY)
    assert (review.source_title, review.source_url) == (SOURCE_TITLE, SOURCE_URL)
    assert (review.margin, review.feedback, review.page) == (0.07, "negative", "Accueil")
    assert review.answered_at.replace(tzinfo=dt.UTC) == _at(1)
    assert review.verdict is None


def test_review_sampling_review_survives_the_retention_purge(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    db.add(make_turn(_at(1), feedback="negative"))
    db.commit()
    sample_turns(db, START, END, PLAN, now=NOW)

    deleted = purge_expired_turns(db, now=NOW + dt.timedelta(days=200), days=90)

    assert deleted == 1
    assert db.scalar(select(func.count()).select_from(ChatTurn)) == 0
    db.expire_all()
    (review,) = _reviews(db)
    assert review.turn_id is None
    assert (review.question, review.entry_id, review.source_url) == (
        "Comment créer mon compte ?",
        ENTRY,
        SOURCE_URL,
    )


def test_review_sampling_erasure_removes_the_copies(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    erased, kept = make_turn(_at(1), feedback="negative"), make_turn(_at(2), feedback="negative")
    db.add_all([erased, kept])
    db.commit()
    sample_turns(db, START, END, PLAN, now=NOW)

    assert erase_session_reviews(db, erased.session_id) == 1
    db.commit()

    assert [r.turn_id for r in _reviews(db)] == [kept.id]

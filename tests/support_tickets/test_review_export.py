"""Verdicts on drawn turns, the evaluation set they export (the format of
``shared/eval/dev.jsonl``, read back by the evaluation command's own loader), and the weekly
accuracy series of the Pilotage chart. A fresh migrated SQLite database per test."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from assistant.evaluation import load_items
from storage.paths import REPO_ROOT
from support_tickets.models import Agent
from support_tickets.pilotage import PilotageFilters
from support_tickets.review_accuracy import accuracy_by_week, accuracy_chart
from support_tickets.review_models import QualityReview
from support_tickets.reviews import (
    BAD_VERDICT,
    EXPECT_ABSTAIN,
    EXPECT_CLARIFY,
    NOT_IN_QUEUE,
    NOTE_TOO_LONG,
    ReviewInputError,
    export_jsonl,
    record_verdict,
)
from support_tickets.sla import PARIS
from tests.support_tickets.review_data import (  # noqa: F401 (fixtures)
    ANSWER,
    SOURCE_URL,
    _migrated_file,
    fresh_db,
    make_review,
)

DEV_SET = REPO_ROOT.parent / "shared" / "eval" / "dev.jsonl"
ABSTAIN_REPLY = (
    "Je ne sais pas répondre à cette question. Nos équipes peuvent vous aider : décrivez votre "
    "demande dans le formulaire « support »."
)
CLARIFY_REPLY = "Vouliez-vous dire… Créer un compte Aucune de ces propositions"
ANSWERED = dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC)


def _reviewer(db: Session) -> Agent:
    agent = Agent(email="relectrice@exemple.fr", name="Inès Relectrice", role="agent")
    agent.password_hash = "x"
    db.add(agent)
    db.commit()
    return agent


def _queued(db: Session, count: int = 1) -> list[QualityReview]:
    reviews = [make_review(ANSWERED, None) for _ in range(count)]
    db.add_all(reviews)
    db.commit()
    return reviews


def _lines(db: Session) -> list[dict[str, object]]:
    return [json.loads(line) for line in export_jsonl(db).splitlines()]


def test_review_verdict_is_recorded_with_reviewer_and_date(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    agent = _reviewer(db)
    (review,) = _queued(db)
    when = dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.UTC)

    record_verdict(db, review.id, "fausse", "  L'entrée faq-compte-siret convenait.  ", agent, when)

    db.expire_all()
    stored = db.get(QualityReview, review.id)
    assert stored is not None
    assert (stored.verdict, stored.note) == ("fausse", "L'entrée faq-compte-siret convenait.")
    assert (stored.reviewer_id, stored.reviewer_name) == (agent.id, "Inès Relectrice")
    assert stored.reviewed_at is not None and stored.reviewed_at.replace(tzinfo=dt.UTC) == when


def test_review_verdict_note_is_redacted(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    (review,) = _queued(db)
    record_verdict(db, review.id, "juste", "Rappeler jeanne.martin@exemple.fr", _reviewer(db))
    assert review.note is not None and "jeanne.martin@exemple.fr" not in review.note


@pytest.mark.parametrize(
    ("verdict", "note", "review_id", "message"),
    [
        ("correcte", "", 1, BAD_VERDICT),
        ("", "", 1, BAD_VERDICT),
        ("juste", "x" * 1001, 1, NOTE_TOO_LONG),
        ("juste", "a\x00b", 1, NOTE_TOO_LONG),
        ("juste", "", 999, NOT_IN_QUEUE),
        ("juste", "", None, NOT_IN_QUEUE),
    ],
)
def test_review_verdict_refuses_bad_input(
    fresh_db: Session,  # noqa: F811
    verdict: str,
    note: str,
    review_id: int | None,
    message: str,
) -> None:
    db = fresh_db
    agent = _reviewer(db)
    _queued(db)
    with pytest.raises(ReviewInputError) as caught:
        record_verdict(db, review_id, verdict, note, agent)
    assert caught.value.message == message
    assert "«" in BAD_VERDICT and "à clarifier" in BAD_VERDICT


def test_review_export_has_the_keys_of_the_dev_set(fresh_db: Session, tmp_path: Path) -> None:  # noqa: F811
    db = fresh_db
    agent = _reviewer(db)
    reviews = _queued(db, 4)
    for review, verdict in zip(reviews, ["juste", "fausse", "a_clarifier"], strict=False):
        record_verdict(db, review.id, verdict, "", agent)
    dev_keys = {tuple(json.loads(line)) for line in DEV_SET.read_text().splitlines() if line}

    lines = _lines(db)

    assert len(lines) == 3  # the fourth turn waits for its verdict
    assert {tuple(line) for line in lines} == dev_keys
    path = tmp_path / "relecture.jsonl"
    path.write_text(export_jsonl(db), encoding="utf-8")
    assert [item["id"] for item in load_items(path)] == [line["id"] for line in lines]


def _matches(item: dict[str, object], reply: str) -> bool:
    patterns = item["must_contain_any"]
    assert isinstance(patterns, list)
    return any(re.search(p, reply.lower()) for p in patterns)


def test_review_export_expectations_by_verdict(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    agent = _reviewer(db)
    right, wrong, unclear = _queued(db, 3)
    record_verdict(db, right.id, "juste", "", agent)
    record_verdict(db, wrong.id, "fausse", "Voir l'entrée faq-siret.", agent)
    record_verdict(db, unclear.id, "a_clarifier", "", agent)

    by_id = {line["id"]: line for line in _lines(db)}
    right_item = by_id[f"relecture-{right.id:06d}"]
    wrong_item = by_id[f"relecture-{wrong.id:06d}"]
    unclear_item = by_id[f"relecture-{unclear.id:06d}"]

    assert right_item["question"] == "Comment créer mon compte ?"
    assert (right_item["kind"], right_item["source_url"]) == ("faq", SOURCE_URL)
    assert _matches(right_item, ANSWER) and not _matches(right_item, ABSTAIN_REPLY)
    assert right_item["note"] == "relecture : juste ; entrée : faq-compte-creer"
    assert _matches(wrong_item, ABSTAIN_REPLY) and _matches(wrong_item, CLARIFY_REPLY)
    assert not _matches(wrong_item, ANSWER) and wrong_item["source_url"] is None
    assert wrong_item["note"] == (
        "relecture : fausse ; entrée : faq-compte-creer ; Voir l'entrée faq-siret."
    )
    assert _matches(unclear_item, CLARIFY_REPLY) and not _matches(unclear_item, ABSTAIN_REPLY)
    assert wrong_item["must_contain_any"] == [f"{EXPECT_ABSTAIN}|{EXPECT_CLARIFY}"]


def test_review_export_rollout_answer_expects_its_first_line(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    answer = "Les ETI sont concernées depuis le 1er janvier 2018 par la facturation électronique."
    review = make_review(
        ANSWERED, None, entry_id="rollout_rules", answer_text=answer, source_title="Calendrier"
    )
    db.add(review)
    db.commit()
    record_verdict(db, review.id, "juste", "", _reviewer(db))

    (item,) = _lines(db)

    assert item["kind"] == "rollout"
    assert _matches(item, answer) and not _matches(item, ANSWER)


def _paris(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), PARIS).astimezone(dt.UTC)


MONDAY = dt.date(2026, 11, 2)


def test_review_accuracy_by_paris_week(fresh_db: Session) -> None:  # noqa: F811
    """Week 1: 3 « juste » of 4 (one answered Monday 00:30 Paris, Sunday in UTC); week 2:
    nothing; week 3: 1 of 2. Unreviewed turns, other pages and turns outside the period do
    not count."""
    db = fresh_db
    week3 = MONDAY + dt.timedelta(days=14)
    db.add_all(
        [
            make_review(_paris(MONDAY, 0, 30), "juste", "A"),
            make_review(_paris(MONDAY, 10), "juste", "A"),
            make_review(_paris(MONDAY + dt.timedelta(days=6), 23, 30), "juste", "A"),
            make_review(_paris(MONDAY + dt.timedelta(days=3), 10), "fausse", "A"),
            make_review(_paris(MONDAY + dt.timedelta(days=3), 11), None, "A"),
            make_review(_paris(MONDAY + dt.timedelta(days=3), 11), "fausse", "B"),
            make_review(_paris(week3, 9), "juste", "A"),
            make_review(_paris(week3 + dt.timedelta(days=1), 9), "a_clarifier", "A"),
            make_review(_paris(MONDAY - dt.timedelta(days=1), 23, 30), "fausse", "A"),
        ]
    )
    db.commit()
    filters = PilotageFilters(MONDAY, week3 + dt.timedelta(days=6), "A")

    weeks = accuracy_by_week(db, filters)

    assert [(w.monday, w.right, w.wrong, w.unclear) for w in weeks] == [
        (MONDAY, 3, 1, 0),
        (week3, 1, 0, 1),
    ]
    assert [w.percent for w in weeks] == [75.0, 50.0]
    everywhere = accuracy_by_week(db, PilotageFilters(MONDAY, week3 + dt.timedelta(days=6)))
    assert [(w.right, w.wrong) for w in everywhere] == [(3, 2), (1, 0)]


def test_review_accuracy_chart_data_and_table(fresh_db: Session) -> None:  # noqa: F811
    db = fresh_db
    db.add_all([make_review(_paris(MONDAY, 10), v, "A") for v in ("juste", "juste", "fausse")])
    db.commit()

    chart = accuracy_chart(accuracy_by_week(db, PilotageFilters(MONDAY, MONDAY, "A")))

    assert (chart.key, chart.tag, chart.empty) == ("review_accuracy", "line-chart", None)
    assert chart.title == "Exactitude des réponses relues"
    assert json.loads(chart.attributes["x"]) == [["Semaine du 02/11/26"]]
    assert json.loads(chart.attributes["y"]) == [[66.7]]
    assert chart.rows == [["Semaine du 02/11/26", "3", "2", "1", "0", "66,7 %"]]
    empty = accuracy_chart([])
    assert empty.empty is not None and empty.rows == []

"""The quality review: the queue, the reviewers' verdicts, and the evaluation set they make.

A reviewer (any agent or supervisor of the console) marks a drawn turn « juste », « fausse »
or « à clarifier », with an optional note; the verdict can be changed later (the last one
counts, with its reviewer and date).

**Export** (``GET /console/relecture/export.jsonl``): every reviewed turn is one line in the
format of ``shared/eval/dev.jsonl`` (exactly its keys: ``id``, ``question``, ``kind``,
``must_contain_any``, ``must_contain_all``, ``source_url``, ``note``), so the evaluation
command runs it as it is:

- « juste »: the answer given is the expected one. ``kind`` is ``faq`` (``rollout`` when the
  rollout rules answered), ``must_contain_any`` holds the answer's source section as it
  appears in the reply (« Source : guide — section »), ``source_url`` its address;
- « fausse »: the answer given was wrong and the right one is not known yet: the item expects
  the assistant not to answer confidently, i.e. to abstain or to ask « Vouliez-vous dire… »
  (``must_contain_any``: :data:`EXPECT_ABSTAIN` or :data:`EXPECT_CLARIFY`), until someone
  writes the fact the reply must hold instead;
- « à clarifier »: the question is ambiguous: the item expects « Vouliez-vous dire… »
  (:data:`EXPECT_CLARIFY`).

``note`` says, in a fixed form, the verdict and the entry that answered
(« relecture : juste ; entrée : faq-… »), plus the reviewer's note if any.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.conversations.models import ChatTurn
from portal.conversations.redaction import redact
from support_tickets.models import Agent
from support_tickets.review_models import (
    REASON_LOW_MARGIN,
    REASON_NEGATIVE_FEEDBACK,
    REASON_RANDOM,
    VERDICT_RIGHT,
    VERDICT_UNCLEAR,
    VERDICT_WRONG,
    VERDICTS,
    QualityReview,
)

VERDICT_LABELS: dict[str, str] = {
    VERDICT_RIGHT: "juste",
    VERDICT_WRONG: "fausse",
    VERDICT_UNCLEAR: "à clarifier",
}
REASON_LABELS: dict[str, str] = {
    REASON_NEGATIVE_FEEDBACK: "Pouce baissé",
    REASON_LOW_MARGIN: "Marge faible",
    REASON_RANDOM: "Tirage au hasard",
}
MAX_NOTE_CHARS = 1000
QUEUE_SHOWN = 50  # turns waiting for a verdict shown on the page, oldest answers first
REVIEWED_SHOWN = 20  # latest verdicts shown under the queue
# What the reply must hold when the assistant abstains or asks to choose (the texts of
# utter_kb_abstain and utter_kb_clarify in domain/core.yml, lower-cased).
EXPECT_ABSTAIN = r"je ne sais pas r[ée]pondre"
EXPECT_CLARIFY = r"vouliez-vous dire"
ROLLOUT_ENTRY = "rollout_rules"
ANSWER_START_CHARS = 60  # the answer's start a « juste » item expects without a source shown
EXPORT_ID_PREFIX = "relecture-"
BAD_VERDICT = "Choisissez « juste », « fausse » ou « à clarifier »."
NOTE_TOO_LONG = f"La note ne peut pas dépasser {MAX_NOTE_CHARS:_} caractères.".replace(
    "_", "\u00a0"
)
NOT_IN_QUEUE = "Cet échange n'est pas (ou plus) dans la file de relecture."


class ReviewInputError(Exception):
    """A verdict form is invalid; ``message`` is French, shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def queue(session: Session, limit: int = QUEUE_SHOWN) -> list[QualityReview]:
    """The drawn turns waiting for a verdict, oldest answers first."""
    query = (
        select(QualityReview)
        .where(QualityReview.verdict.is_(None))
        .order_by(QualityReview.answered_at, QualityReview.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def waiting_count(session: Session) -> int:
    query = select(func.count()).where(QualityReview.verdict.is_(None))
    return int(session.scalar(query) or 0)


def latest_reviewed(session: Session, limit: int = REVIEWED_SHOWN) -> list[QualityReview]:
    query = (
        select(QualityReview)
        .where(QualityReview.verdict.is_not(None))
        .order_by(QualityReview.reviewed_at.desc(), QualityReview.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def record_verdict(
    session: Session,
    review_id: int | None,
    verdict: str,
    note: str,
    reviewer: Agent,
    now: dt.datetime | None = None,
) -> QualityReview:
    """Record ``reviewer``'s verdict on the review ``review_id`` and commit; the note is
    redacted like the transcripts. Raises :class:`ReviewInputError` on bad input."""
    if verdict not in VERDICTS:
        raise ReviewInputError(BAD_VERDICT)
    text = note.strip()
    if len(text) > MAX_NOTE_CHARS or "\x00" in text:
        raise ReviewInputError(NOTE_TOO_LONG)
    review = session.get(QualityReview, review_id) if review_id is not None else None
    if review is None:
        raise ReviewInputError(NOT_IN_QUEUE)
    review.verdict = verdict
    review.note = redact(text) or None
    review.reviewer_id = reviewer.id
    review.reviewer_name = reviewer.name
    review.reviewed_at = now or dt.datetime.now(dt.UTC)
    session.commit()
    return review


def source_pattern(review: QualityReview) -> str:
    """The regex of the answer's source section, as the reply shows it lower-cased; when the
    reply does not show it (the rollout rules link a guide without naming it), the start of
    the answer's first line."""
    answer = review.answer_text.strip().lower()
    section = (review.source_title or "").rsplit(" — ", 1)[-1].strip().lower()
    if section and section in answer:
        return re.escape(section)
    start = answer.split("\n", 1)[0]
    if len(start) > ANSWER_START_CHARS:
        start = start[:ANSWER_START_CHARS].rsplit(" ", 1)[0]
    return re.escape(start)


def eval_item(review: QualityReview) -> dict[str, Any]:
    """The evaluation-set line of a reviewed turn (see the module docstring)."""
    note = (
        f"relecture : {VERDICT_LABELS.get(review.verdict or '', '')} ; entrée : {review.entry_id}"
    )
    if review.note:
        note += f" ; {review.note}"
    right = review.verdict == VERDICT_RIGHT
    if right:
        expected = [source_pattern(review)]
    elif review.verdict == VERDICT_WRONG:
        expected = [f"{EXPECT_ABSTAIN}|{EXPECT_CLARIFY}"]
    else:
        expected = [EXPECT_CLARIFY]
    return {
        "id": f"{EXPORT_ID_PREFIX}{review.id:06d}",
        "question": review.question,
        "kind": "rollout" if review.entry_id == ROLLOUT_ENTRY else "faq",
        "must_contain_any": expected,
        "must_contain_all": [],
        "source_url": review.source_url if right else None,
        "note": note,
    }


def reviewed(session: Session) -> Iterable[QualityReview]:
    query = (
        select(QualityReview)
        .where(QualityReview.verdict.is_not(None))
        .order_by(QualityReview.id)
        .execution_options(yield_per=1000)
    )
    yield from session.scalars(query)


def export_jsonl(session: Session) -> str:
    """Every reviewed turn as an evaluation-set line (JSON, UTF-8, one object a line)."""
    return "".join(json.dumps(eval_item(r), ensure_ascii=False) + "\n" for r in reviewed(session))


def erase_session_reviews(session: Session, session_id: str) -> int:
    """Delete the reviews drawn from the conversation ``session_id`` (not committed): its
    user asked for it to be erased, and a review keeps a copy of the question. To be called
    before the conversation's turns are deleted; returns how many reviews went."""
    turns = select(ChatTurn.id).where(ChatTurn.session_id == session_id)
    result = session.execute(delete(QualityReview).where(QualityReview.turn_id.in_(turns)))
    return int(getattr(result, "rowcount", 0) or 0)

"""Draw answered chat turns of a period into the quality-review queue.

**Population**: the stored turns of the period that the assistant answered (``outcome``
``answered``) from the knowledge base: the last decision record of the turn says ``answer``
(a retrieval answer, or the rollout rules'). Turns whose text is a button's payload
(« /ask_question{…} »: an entry the user picked among « Vouliez-vous dire… » or the widget's
suggestions) are left out: the user chose that answer, the assistant decided nothing, and the
text is no question for the evaluation set.

**Weights** (the chance that a turn is drawn):

- a thumbs down (``feedback`` ``negative``): 1, always drawn;
- a lead of the answered entry over the runner-up (``margin`` of the decision record,
  :mod:`knowledge_base.decision`) under ``low_margin``: ``base_rate × low_margin_factor``;
  by default ``low_margin`` is the retrieval's ``answer_min_margin`` setting: an answer with a
  smaller lead got through only because the rankings agreed, the least sure answers given;
- any other answer: ``base_rate``.

**Draw**: a turn is drawn when ``SHA-256(seed:turn id)``, read as a number in [0, 1), is
under its chance. The result depends on the seed and the turn only, not on the order, the
period or the other turns: drawing a period again (or an overlapping one) adds only the turns
that are new or got a thumbs down since. A turn enters the queue once (``turn_id`` is unique;
a concurrent draw that inserted it first wins).

Run from the console (« Tirer un échantillon ») or as a command, e.g. daily for yesterday::

    python -m support_tickets.review_sampling --jours 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge_base.config import get_settings as get_kb_settings
from portal.conversations.models import ChatTurn
from support_tickets.pilotage_sql import last_decision
from support_tickets.review_models import (
    REASON_LOW_MARGIN,
    REASON_NEGATIVE_FEEDBACK,
    REASON_RANDOM,
    QualityReview,
)

# One answered turn in 20. A reviewer reads and judges about 50 turns in an hour; at the
# expected volume (about 1,000 answers a week) this gives ~50 turns a week besides the
# thumbs-down ones, enough to read a weekly share of right answers within about ±11 points
# (95 % interval at 80 % right), for an hour of reviewing a week.
REVIEW_BASE_RATE = 0.05
# Turns answered with a small lead are drawn this many times more often (see the docstring).
LOW_MARGIN_FACTOR = 4.0
DEFAULT_SEED = "relecture"
ANSWERED_OUTCOME = "answered"  # ChatTurn.outcome of a turn Rasa replied to
ANSWER_DECISION = "answer"
NEGATIVE_FEEDBACK = "negative"  # ChatTurn.feedback: thumbs down
PAYLOAD_PREFIX = "/"  # a button's payload sent as the user's message
KNOWLEDGE_ANSWER = "knowledge_answer"  # the reply kind of a knowledge-base answer
UNKNOWN_ENTRY = "inconnue"  # a record naming no entry (never written by the actions today)
READ_BATCH = 1000  # turns read from the database at a time


@dataclass(frozen=True)
class SamplingPlan:
    """The rates of a draw and its seed."""

    base_rate: float = REVIEW_BASE_RATE
    low_margin: float = field(default_factory=lambda: get_kb_settings().answer_min_margin)
    low_margin_factor: float = LOW_MARGIN_FACTOR
    seed: str = DEFAULT_SEED


@dataclass(frozen=True)
class SampleResult:
    """What a draw added to the queue: how many turns it looked at, and why each one drawn
    was (``by_reason``: reason → count)."""

    considered: int
    by_reason: dict[str, int]

    @property
    def drawn(self) -> int:
        return sum(self.by_reason.values())


def draw_value(seed: str, turn_id: int) -> float:
    """The turn's uniform number in [0, 1) for ``seed``."""
    digest = hashlib.sha256(f"{seed}:{turn_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def chance(feedback: str | None, margin: float | None, plan: SamplingPlan) -> tuple[float, str]:
    """The chance that a turn is drawn, and the reason recorded if it is."""
    if feedback == NEGATIVE_FEEDBACK:
        return 1.0, REASON_NEGATIVE_FEEDBACK
    if margin is not None and margin < plan.low_margin:
        return min(1.0, plan.base_rate * plan.low_margin_factor), REASON_LOW_MARGIN
    return plan.base_rate, REASON_RANDOM


def answer_record(kb: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The turn's last decision record when it answered."""
    if not kb or not isinstance(kb[-1], dict) or kb[-1].get("decision") != ANSWER_DECISION:
        return None
    return kb[-1]


def entry_of(record: dict[str, Any]) -> str:
    """The entry that answered: the retrieval's first candidate, the entry picked, or the
    rules that answered (``rollout_rules``)."""
    candidates = record.get("candidates")
    if isinstance(candidates, list) and candidates:
        return str(candidates[0])
    for key in ("selected", "source"):
        if record.get(key):
            return str(record[key])
    return UNKNOWN_ENTRY


def margin_of(record: dict[str, Any]) -> float | None:
    value = record.get("margin")
    return float(value) if isinstance(value, int | float) else None


def answer_reply(replies: list[dict[str, Any]] | None) -> tuple[str, str | None, str | None]:
    """The answer's text, and its source's title and address (its first link)."""
    shown = [r for r in replies or [] if isinstance(r, dict) and r.get("author") != "agent"]
    answer = next((r for r in shown if r.get("kind") == KNOWLEDGE_ANSWER), None)
    answer = answer or next((r for r in shown if r.get("text")), None)
    if answer is None:
        return "", None, None
    links = [link for link in answer.get("links") or [] if isinstance(link, dict)]
    first = links[0] if links else {}
    title, url = first.get("title"), first.get("url")
    return str(answer.get("text") or ""), str(title) if title else None, str(url) if url else None


def review_from_turn(
    turn: ChatTurn, record: dict[str, Any], reason: str, now: dt.datetime
) -> QualityReview:
    """The queue row of ``turn``, with the copies it keeps after the turn is purged."""
    text, source_title, source_url = answer_reply(turn.replies)
    return QualityReview(
        turn_id=turn.id,
        question=turn.user_text,
        answer_text=text,
        entry_id=entry_of(record)[:200],
        source_title=source_title[:400] if source_title else None,
        source_url=source_url[:1000] if source_url else None,
        margin=margin_of(record),
        feedback=turn.feedback,
        reason=reason,
        page=turn.page,
        answered_at=turn.created_at,
        sampled_at=now,
    )


def _population(session: Session, start: dt.datetime, end: dt.datetime) -> Iterator[ChatTurn]:
    """The period's answered turns not in the queue yet, read in batches."""
    queued = exists(select(QualityReview.id).where(QualityReview.turn_id == ChatTurn.id))
    query = (
        select(ChatTurn)
        .where(
            ChatTurn.created_at >= start,
            ChatTurn.created_at < end,
            ChatTurn.outcome == ANSWERED_OUTCOME,
            last_decision(ChatTurn.kb) == ANSWER_DECISION,
            ~ChatTurn.user_text.startswith(PAYLOAD_PREFIX, autoescape=True),
            ~queued,
        )
        .order_by(ChatTurn.id)
        .execution_options(yield_per=READ_BATCH)
    )
    yield from session.scalars(query)


def _draw_once(
    session: Session, start: dt.datetime, end: dt.datetime, plan: SamplingPlan, now: dt.datetime
) -> SampleResult:
    considered = 0
    reasons: Counter[str] = Counter()
    drawn: list[QualityReview] = []
    for turn in _population(session, start, end):
        record = answer_record(turn.kb)
        if record is None:
            continue
        considered += 1
        probability, reason = chance(turn.feedback, margin_of(record), plan)
        if draw_value(plan.seed, turn.id) < probability:
            drawn.append(review_from_turn(turn, record, reason, now))
            reasons[reason] += 1
    session.add_all(drawn)
    session.commit()
    return SampleResult(considered, dict(reasons))


def sample_turns(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    plan: SamplingPlan | None = None,
    now: dt.datetime | None = None,
) -> SampleResult:
    """Draw the answered turns of ``[start, end)`` into the queue (see the module docstring);
    commits. A draw that meets a concurrent one (the same turn inserted meanwhile) starts
    again once, without the turns the other one queued."""
    plan = plan or SamplingPlan()
    now = now or dt.datetime.now(dt.UTC)
    try:
        return _draw_once(session, start, end, plan, now)
    except IntegrityError:
        session.rollback()
        return _draw_once(session, start, end, plan, now)


def main(argv: list[str] | None = None) -> None:
    """``python -m support_tickets.review_sampling [--jours N]``: draw the last N days."""
    from storage.db import get_sessionmaker

    parser = argparse.ArgumentParser(description="Tirer un échantillon d'échanges à relire.")
    parser.add_argument(
        "--jours", type=int, default=1, help="nombre de jours écoulés à tirer (1 : les 24 h)"
    )
    args = parser.parse_args(argv)
    if args.jours < 1:
        parser.error("--jours doit valoir au moins 1.")
    end = dt.datetime.now(dt.UTC)
    with get_sessionmaker()() as session:
        result = sample_turns(session, end - dt.timedelta(days=args.jours), end)
    print(f"{result.drawn} échange(s) ajouté(s) à la relecture sur {result.considered} répondu(s).")


if __name__ == "__main__":
    main()

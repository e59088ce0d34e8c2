"""Answer, clarify or abstain, from the best hit's fused score and its lead.

- **answer**: best fused score ≥ ``answer_min_score`` and a lead of at least
  ``answer_min_margin`` over the best hit of another entry (an FAQ entry and the guide
  section it cites are one entry: they never compete with each other); with *agreement*
  (at least ``AGREE_MIN_SIDES`` of the dense, lexical and classifier rankings put the entry
  first: independent signals pointing at it), a lead of ``AGREE_MARGIN_FACTOR`` times that
  is enough; an entry that leads the dense side alone by ``DENSE_LEAD`` counts as
  agreeing; a near tie (lead below ``NEAR_TIE_MARGIN``) is never answered, whatever the
  settings, and a bare subject (one content word, :data:`BARE_TOPIC_MAX_WORDS`) gets no
  reduced lead from agreement;
- **clarify**: best fused score ≥ ``clarify_min_score`` otherwise; keeps the 2–3 best
  distinct entries within ``CLARIFY_SPREAD`` of the best one (the runner-up always); an
  answer out of this branch (a lone candidate, the one entry stating the fact asked) needs
  ``CLARIFY_ANSWER_MIN_SCORE`` too, and is offered below it;
- **abstain**: anything lower.
- **fact check**: when the question explicitly asks for a duration, a date or an amount
  (:mod:`knowledge_base.fact_types`) and the best entry states none, it is never answered:
  the close entries are offered, or, with none close, the assistant abstains.
- **off topic**: when the intent classifier was unsure of the message and its best guess
  was ``out_of_scope``, a clarification is withheld: the assistant abstains
  (:data:`OFF_TOPIC_WITHHOLDS`).

Thresholds come from :class:`~knowledge_base.config.KnowledgeBaseSettings` (calibration
described there). Every decision is logged on ``knowledge_base.decision`` with the query,
the scores and which thresholds were crossed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.fact_types import asked_fact, states_fact
from knowledge_base.search import Hit
from knowledge_base.text import simple_tokens, stop_words

logger = logging.getLogger("knowledge_base.decision")

Action = Literal["answer", "clarify", "abstain"]
CLARIFY_SPREAD = 0.15
AGREE_MARGIN_FACTOR = 0.25
# An entry first on the dense side by at least this much (cosine) over any other entry counts
# as much as an agreement of both sides (see ``confident``). Chosen among 0.08 / 0.11 / 0.15 /
# off by the calibration utility (`python -m knowledge_base calibrate`): 0.15 answers two more
# questions right and none wrong on the retrieval set; lower values add wrong answers.
DENSE_LEAD = 0.15
# Below this lead over the runner-up entry the user always chooses among « Vouliez-vous
# dire… » buttons. The evaluation set holds almost no one-word questions, so its utility
# barely sees the cost of answering near ties (0.05 turns 2 right answers of 331 into right
# clarifications), while « mon compte », « facture » or « remboursement » would otherwise
# get the answer of one entry among several within a few hundredths of each other.
NEAR_TIE_MARGIN = 0.05
# A query of at most this many content words (« mon compte », « remboursement », « mémoire »)
# names a subject, not a question. Every side then ranks the entries on that one word, so
# their agreement is no independent evidence, and the lead an agreement lowers stays whole
# (``answer_min_margin``). With the embedder built from the content of 2026-12-07, « mon
# compte » led by 0.057 with the sides agreeing, just past the near tie, and got the answer
# on the mémoires' restricted accounts; a subject with one clear entry (a lead of at least
# ``answer_min_margin``) is still answered.
BARE_TOPIC_MAX_WORDS = 1
# The side rankings that vote for an entry, and how many must put it first to agree.
AGREEMENT_SIDES = ("dense", "lexical", "classifier")
AGREE_MIN_SIDES = 2
MAX_CANDIDATES = 3
# The fused score an answer needs when it comes out of the clarification branch (the one
# close entry that states the fact asked, or a lone candidate). It was the clarification
# floor under which those answers were calibrated (2026-12-05); the floor to *offer*
# entries went lower (``clarify_min_score`` 0.20, ``config.py``) without moving it: a wrong
# offer costs the user a click, a wrong answer misleads them.
CLARIFY_ANSWER_MIN_SCORE = 0.24
RECORD_HITS = 3
# The decisions withheld when the message is off topic: Rasa was unsure of it
# (``nlu_fallback``, which sends it here) and its best guess was ``out_of_scope``, an intent
# the routing guard keeps only for a message naming no portal subject
# (``nlu_components/routing_rules.py``). The retrieval being unsure too, « Vouliez-vous
# dire… » portal entries would answer beside the point: « donne moi une recette de
# crêpes » was offered the two entries on public bodies' « factures de recette »
# (`../shared/eval/dev.jsonl`, dev-oos-03, with the model trained on session 13's machine).
# A confident answer still goes out. Measured on the development sets: BENCHMARKS.md,
# « Real users' questions », session 13.
OFF_TOPIC_WITHHOLDS: frozenset[Action] = frozenset({"clarify"})


@dataclass(frozen=True)
class Decision:
    """What to do with a query; ``candidates`` holds the hit to answer, or the 2–3 to offer."""

    action: Action
    query: str
    best_score: float
    margin: float
    candidates: tuple[Hit, ...] = ()
    agree: bool = False
    hits: tuple[Hit, ...] = ()
    thresholds: dict[str, float] = field(default_factory=dict)
    missing_fact: str | None = None

    @property
    def best(self) -> Hit | None:  # pragma: no mutate (annotation)
        return self.candidates[0] if self.candidates else None

    def to_record(self) -> dict[str, Any]:
        """A small JSON-able summary: decision, scores, thresholds and the top 3 hits."""
        return {
            "decision": self.action,
            "missing_fact": self.missing_fact,
            "best_score": round(self.best_score, 4),
            "margin": round(self.margin, 4),
            "sides_agree": self.agree,
            "thresholds": self.thresholds,
            "candidates": [h.unit.id for h in self.candidates],
            "hits": [h.to_record() for h in self.hits[:RECORD_HITS]],
        }


def distinct_entries(hits: list[Hit]) -> list[Hit]:
    """``hits`` without the ones that repeat a better hit's entry: a guide section after an
    FAQ entry (or rollout rule) that cites it, or such an entry after its section. Two FAQ
    entries citing the same section stay distinct: they answer different questions."""
    kept_ids: set[str] = set()
    covered: set[str] = set()
    out = []
    for hit in hits:
        unit = hit.unit
        if unit.id in covered or (unit.source and unit.source in kept_ids):
            continue
        kept_ids.add(unit.id)
        covered.update({unit.id, unit.source} - {""})
        out.append(hit)
    return out


def same_entry(hit: Hit, entry: Hit) -> bool:
    """``hit`` is ``entry``'s unit, the section ``entry`` cites, or an entry citing it."""
    unit, top = hit.unit, entry.unit
    return (
        unit.id == top.id or (bool(top.source) and unit.id == top.source) or unit.source == top.id
    )


def sides_agree(entry: Hit, hits: list[Hit]) -> bool:
    """At least ``AGREE_MIN_SIDES`` of the :data:`AGREEMENT_SIDES` rankings put ``entry``
    first (through one of its units)."""
    mine = [h for h in hits if same_entry(h, entry)]
    first = sum(any(getattr(h, f"{side}_rank") == 1 for h in mine) for side in AGREEMENT_SIDES)
    return first >= AGREE_MIN_SIDES


def dense_lead(entry: Hit, hits: list[Hit]) -> float:
    """How far ``entry`` (through its best unit) leads every other entry on the dense side."""
    mine = [h.dense for h in hits if same_entry(h, entry)]
    others = [h.dense for h in hits if not same_entry(h, entry)]
    return max(mine, default=0.0) - max(others, default=0.0)


def confident(entry: Hit, hits: list[Hit]) -> bool:
    """Both sides agree on ``entry``, or the dense side alone puts it clearly first."""
    return sides_agree(entry, hits) or dense_lead(entry, hits) >= DENSE_LEAD


def bare_topic(query: str) -> bool:
    """``query`` names at most :data:`BARE_TOPIC_MAX_WORDS` content words."""
    stops = stop_words()
    words = [w for w in simple_tokens(query) if w not in stops and (len(w) > 1 or w.isdigit())]
    return len(words) <= BARE_TOPIC_MAX_WORDS


def required_margin(answer_min_margin: float, agree: bool) -> float:
    """The lead an answer needs: reduced when the sides agree on the entry, never below
    :data:`NEAR_TIE_MARGIN`."""
    margin = answer_min_margin * AGREE_MARGIN_FACTOR if agree else answer_min_margin
    return max(margin, NEAR_TIE_MARGIN)


# What to do and with which hits: the action and the hit to answer, or the 2–3 to offer.
Choice = tuple[Action, tuple[Hit, ...]]


def answer_floor(settings: KnowledgeBaseSettings) -> float:
    """The score an answer out of the clarification branch needs (see
    :data:`CLARIFY_ANSWER_MIN_SCORE`; never below the clarification floor itself)."""
    return max(settings.clarify_min_score, CLARIFY_ANSWER_MIN_SCORE)


def _close_entries(entries: list[Hit], best_score: float) -> list[Hit]:
    """The entries after the best one, up to :data:`MAX_CANDIDATES` in all, whose fused score
    is within :data:`CLARIFY_SPREAD` of the best."""
    return [h for h in entries[1:MAX_CANDIDATES] if h.fused >= best_score - CLARIFY_SPREAD]


def _choose_without_fact(
    entries: list[Hit],
    best_score: float,
    fact: str | None,  # pragma: no mutate (annotation)
    settings: KnowledgeBaseSettings,
) -> Choice:
    """On the subject, without the fact asked: the close entries that state it are the
    answer (one) or the choice (several); with none, say we do not know."""
    close = _close_entries(entries, best_score)
    stating = [h for h in close if fact is not None and states_fact(h.unit.answer, fact)]
    if len(stating) == 1 and stating[0].fused >= answer_floor(settings):
        return "answer", (stating[0],)
    if stating:
        return "clarify", tuple(stating)
    return ("clarify", (entries[0], *close)) if close else ("abstain", ())


def _clarify(entries: list[Hit], best_score: float, settings: KnowledgeBaseSettings) -> Choice:
    """The best entry and the close ones (the runner-up always); a lone candidate is an
    answer when it reaches :func:`answer_floor`."""
    close = _close_entries(entries, best_score)
    if not close and len(entries) > 1:
        close = [entries[1]]
    candidates = (entries[0], *close)
    if len(candidates) == 1 and best_score >= answer_floor(settings):
        return "answer", candidates  # nothing else to offer: one candidate is an answer
    return "clarify", candidates


def _choose(
    entries: list[Hit],
    best_score: float,
    crossed: dict[str, bool],
    fact: str | None,  # pragma: no mutate (annotation)
    fact_missing: bool,
    settings: KnowledgeBaseSettings,
) -> Choice:
    """The action for the distinct ``entries`` (best first), given the thresholds crossed."""
    if (
        entries
        and crossed["answer_min_score"]
        and crossed["answer_min_margin"]
        and not fact_missing
    ):
        return "answer", (entries[0],)
    if entries and fact_missing and crossed["clarify_min_score"]:
        return _choose_without_fact(entries, best_score, fact, settings)
    if entries and crossed["clarify_min_score"]:
        return _clarify(entries, best_score, settings)
    return "abstain", ()


def _log_decision(
    decision: Decision,
    entries: list[Hit],
    crossed: dict[str, bool],
    fact: str | None,  # pragma: no mutate (annotation)
    fact_missing: bool,
    off_topic: bool,
) -> None:
    logger.info(
        "kb.decision action=%s query=%r best=%s score=%.3f margin=%.3f crossed=%s "
        "fact_asked=%s fact_missing=%s off_topic=%s top=%s",
        decision.action,
        decision.query,
        entries[0].unit.id if entries else None,
        decision.best_score,
        decision.margin,
        [name for name, ok in crossed.items() if ok],
        fact,
        fact_missing,
        off_topic,
        [
            (h.unit.id, round(h.dense, 3), round(h.lexical, 3), round(h.fused, 3))
            for h in decision.hits[:3]
        ],
    )


def decide(
    query: str, hits: list[Hit], settings: KnowledgeBaseSettings, off_topic: bool = False
) -> Decision:
    """Choose answer / clarify / abstain for ``hits`` (best first) and log it.

    ``off_topic``: the intent classifier's best guess for the message was ``out_of_scope``,
    under its confidence threshold (see :data:`OFF_TOPIC_WITHHOLDS`).
    """
    thresholds = {
        "answer_min_score": settings.answer_min_score,
        "answer_min_margin": settings.answer_min_margin,
        "clarify_min_score": settings.clarify_min_score,
        "clarify_answer_min_score": answer_floor(settings),
    }
    ordered = sorted(hits, key=lambda h: h.fused, reverse=True)
    entries = distinct_entries(ordered)
    best_score = entries[0].fused if entries else 0.0
    runner_up = entries[1].fused if len(entries) > 1 else 0.0
    margin = best_score - runner_up
    agree = bool(entries) and confident(entries[0], ordered)
    bare = bare_topic(query)
    crossed = {
        "answer_min_score": best_score >= settings.answer_min_score,
        "answer_min_margin": margin
        >= required_margin(settings.answer_min_margin, agree and not bare),
        "sides_agree": agree,
        "clarify_min_score": best_score >= settings.clarify_min_score,
        "clarify_answer_min_score": best_score >= answer_floor(settings),
        "bare_topic": bare,
    }
    fact = asked_fact(query)
    fact_missing = (
        bool(entries) and fact is not None and not states_fact(entries[0].unit.answer, fact)
    )
    action, candidates = _choose(entries, best_score, crossed, fact, fact_missing, settings)
    if off_topic and action in OFF_TOPIC_WITHHOLDS:
        action, candidates = "abstain", ()
    decision = Decision(
        action=action,
        query=query,
        best_score=best_score,
        margin=margin,
        agree=agree,
        candidates=candidates,
        hits=tuple(ordered),
        thresholds=thresholds,
        missing_fact=fact if fact_missing else None,
    )
    _log_decision(decision, entries, crossed, fact, fact_missing, off_topic)
    return decision

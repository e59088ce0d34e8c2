"""Retrieval and decision quality: labelled sets, ranking metrics, threshold calibration.

Labelled questions (JSON lines): ``{"id", "question", "expected": [ids], "in_scope"}``;
an ``expected`` item is an FAQ id or a ``<slug>#<anchor>`` section key. A hit is right when
its unit id is expected, or when it cites (``source``) an expected section.

Held-out FAQ variants (:func:`holdout_split`) give in-scope questions that are removed from
the indexed units, for the fusion weight and threshold calibration; the separate evaluation
set ``eval/retrieval_set.jsonl`` is kept for the reported figures.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.decision import decide, required_margin
from knowledge_base.documents import Unit
from knowledge_base.search import Fusion, Hit, KnowledgeBase

EVAL_DIR = Path(__file__).resolve().parent / "eval"
RETRIEVAL_SET = EVAL_DIR / "retrieval_set.jsonl"
OUT_OF_SCOPE_SET = EVAL_DIR / "out_of_scope.jsonl"
MIN_VARIANTS_FOR_HOLDOUT = 3
CV_FOLDS = 5
# Calibration tolerates this share of answered out-of-scope questions (target: ≤ 5 %).
MAX_OUT_OF_SCOPE_ANSWERED = 0.02
CV_SEED = 20261127
# Utility of each outcome, used to calibrate the thresholds (wrong answers cost most).
UTILITY = {
    ("in", "answer_right"): 1.0,
    ("in", "answer_wrong"): -2.0,
    ("in", "clarify_right"): 0.5,
    ("in", "clarify_wrong"): -0.5,
    ("in", "abstain"): -0.25,
    ("out", "abstain"): 1.0,
    ("out", "clarify"): -1.0,
    ("out", "answer"): -4.0,
}


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    expected: tuple[str, ...]
    in_scope: bool


def load_questions(path: Path) -> list[Question]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        questions.append(
            Question(
                id=str(data["id"]),
                question=str(data["question"]),
                expected=tuple(str(e) for e in data.get("expected") or ()),
                in_scope=bool(data.get("in_scope", bool(data.get("expected")))),
            )
        )
    return questions


def holdout_split(units: list[Unit], fold: int = -1) -> tuple[list[Unit], list[Question]]:
    """Remove one variant (index ``fold``, counted from the end when negative) of every FAQ
    entry that has at least three; return the reduced units and the removed variants as
    labelled questions (expected: the entry and the section it cites)."""
    kept: list[Unit] = []
    held: list[Question] = []
    for unit in units:
        variants = list(unit.match_texts[1:])
        if unit.kind == "faq" and len(variants) >= MIN_VARIANTS_FOR_HOLDOUT:
            position = fold % len(variants)
            expected = (unit.id, unit.source) if unit.source else (unit.id,)
            held.append(Question(f"holdout-{fold}-{unit.id}", variants[position], expected, True))
            del variants[position]
            unit = dataclasses.replace(unit, match_texts=(unit.match_texts[0], *variants))
        kept.append(unit)
    return kept, held


def unit_is_right(unit: Unit, expected: tuple[str, ...]) -> bool:
    """The unit is expected, or cites an expected guide section."""
    return unit.id in expected or (bool(unit.source) and unit.source in expected)


def is_right(hit: Hit, expected: tuple[str, ...]) -> bool:
    return unit_is_right(hit.unit, expected)


def rank_metrics(kb: KnowledgeBase, questions: list[Question], fusion: Fusion) -> dict[str, float]:
    """hit@1, hit@3 and MRR@5 of ``fusion`` over the in-scope questions."""
    in_scope = [q for q in questions if q.in_scope]
    h1 = h3 = rr = 0.0
    for q in in_scope:
        hits = kb.search(q.question, top_k=5, fusion=fusion)
        ranks = [h.rank for h in hits if is_right(h, q.expected)]
        first = min(ranks) if ranks else None
        h1 += first == 1
        h3 += first is not None and first <= 3
        rr += 1.0 / first if first else 0.0
    n = max(len(in_scope), 1)
    return {"n": len(in_scope), "hit@1": h1 / n, "hit@3": h3 / n, "mrr@5": rr / n}


def outcome(decision_action: str, candidates: tuple[Hit, ...], q: Question) -> str:
    if not q.in_scope:
        return decision_action
    if decision_action == "abstain":
        return "abstain"
    right = any(is_right(h, q.expected) for h in candidates)
    if decision_action == "answer":
        right = is_right(candidates[0], q.expected)
    return f"{decision_action}_{'right' if right else 'wrong'}"


def collect_hits(kb: KnowledgeBase, questions: list[Question], top_k: int = 10) -> list[list[Hit]]:
    return [kb.search(q.question, top_k=top_k) for q in questions]


def decision_report(
    questions: list[Question], hits: list[list[Hit]], settings: KnowledgeBaseSettings
) -> dict[str, Any]:
    """Counts of each outcome and the decision accuracy (right answer or right clarify for
    in-scope questions, abstention for out-of-scope ones)."""
    import logging

    log = logging.getLogger("knowledge_base.decision")
    previous = log.level
    log.setLevel(logging.WARNING)
    try:
        counts: dict[str, int] = {}
        for q, h in zip(questions, hits, strict=True):
            d = decide(q.question, h, settings)
            key = ("in:" if q.in_scope else "out:") + outcome(d.action, d.candidates, q)
            counts[key] = counts.get(key, 0) + 1
    finally:
        log.setLevel(previous)
    good = (
        counts.get("in:answer_right", 0)
        + counts.get("in:clarify_right", 0)
        + counts.get("out:abstain", 0)
    )
    n_in = sum(q.in_scope for q in questions)
    n_out = len(questions) - n_in
    return {
        "counts": dict(sorted(counts.items())),
        "accuracy": good / max(len(questions), 1),
        "in_scope_answered_right": counts.get("in:answer_right", 0) / max(n_in, 1),
        "in_scope_answered_wrong": counts.get("in:answer_wrong", 0) / max(n_in, 1),
        "out_of_scope_abstained": counts.get("out:abstain", 0) / max(n_out, 1),
        "out_of_scope_answered": counts.get("out:answer", 0) / max(n_out, 1),
    }


@dataclass(frozen=True)
class Profile:
    """What the decision would do for one question, whatever the thresholds: best fused
    score, lead over the runner-up entry, outcome if answered, outcome if clarified."""

    in_scope: bool
    best: float
    margin: float
    agree: bool
    if_answered: str
    if_clarified: str


def profile(q: Question, hits: list[Hit], settings: KnowledgeBaseSettings) -> Profile:
    """:class:`Profile` of ``q``: one forced-clarify decision gives every branch."""
    forced = settings.model_copy(update={"answer_min_score": 2.0, "clarify_min_score": 0.0})
    d = decide(q.question, hits, forced)
    if not d.candidates:
        return Profile(q.in_scope, 0.0, 0.0, False, "abstain", "abstain")
    answered = outcome("answer", d.candidates[:1], q)
    clarified = outcome(d.action, d.candidates, q)
    return Profile(q.in_scope, d.best_score, d.margin, d.agree, answered, clarified)


def _profiles(
    questions: list[Question], hits: list[list[Hit]], settings: KnowledgeBaseSettings
) -> list[Profile]:
    import logging

    log = logging.getLogger("knowledge_base.decision")
    previous = log.level
    log.setLevel(logging.WARNING)
    try:
        return [profile(q, h, settings) for q, h in zip(questions, hits, strict=True)]
    finally:
        log.setLevel(previous)


THRESHOLD_GRID = tuple(round(0.20 + 0.02 * i, 2) for i in range(36))
MARGIN_GRID = (0.0, 0.04, 0.08, 0.12, 0.15, 0.20)


def _outcomes(profiles: list[Profile], answer: float, margin: float, clarify: float) -> list[str]:
    out = []
    for p in profiles:
        lead = p.margin >= required_margin(margin, p.agree)
        if p.if_answered != "abstain" and p.best >= answer and lead:
            out.append(p.if_answered)
        elif p.if_answered != "abstain" and p.best >= clarify:
            out.append(p.if_clarified)
        else:
            out.append("abstain")
    return out


def choose_thresholds(profiles: list[Profile]) -> tuple[dict[str, float], float]:
    """Grid-search the three thresholds maximising :data:`UTILITY` on ``profiles``, under
    the constraint that at most :data:`MAX_OUT_OF_SCOPE_ANSWERED` of the out-of-scope
    questions are answered. Returns (thresholds, utility)."""
    best: tuple[float, dict[str, float]] = (float("-inf"), {})
    allowed = int(MAX_OUT_OF_SCOPE_ANSWERED * sum(not p.in_scope for p in profiles))
    for clarify, answer, margin in itertools.product(THRESHOLD_GRID, THRESHOLD_GRID, MARGIN_GRID):
        if answer < clarify:
            continue
        total = 0.0
        answered_out = 0
        for p, result in zip(profiles, _outcomes(profiles, answer, margin, clarify), strict=True):
            answered_out += not p.in_scope and result.startswith("answer")
            key = result.split("_")[0] if not p.in_scope else result
            total += UTILITY[("in" if p.in_scope else "out", key)]
        if answered_out <= allowed and total > best[0]:
            best = (
                total,
                {
                    "answer_min_score": answer,
                    "answer_min_margin": margin,
                    "clarify_min_score": clarify,
                },
            )
    return best[1], best[0]


def summarise(profiles: list[Profile], thresholds: dict[str, float]) -> dict[str, int]:
    """Outcome counts (``in:answer_right``, ``out:abstain``…) under ``thresholds``."""
    counts: dict[str, int] = {}
    results = _outcomes(
        profiles,
        thresholds["answer_min_score"],
        thresholds["answer_min_margin"],
        thresholds["clarify_min_score"],
    )
    for p, result in zip(profiles, results, strict=True):
        key = ("in:" + result) if p.in_scope else ("out:" + result.split("_")[0])
        counts[key] = counts.get(key, 0) + 1
    return counts


def fold_ids(n: int, folds: int, seed: int = CV_SEED) -> list[int]:
    """A deterministic, shuffled assignment of ``n`` items to ``folds`` folds."""
    import random

    order = list(range(n))
    random.Random(seed).shuffle(order)
    assignment = [0] * n
    for position, item in enumerate(order):
        assignment[item] = position % folds
    return assignment


def cross_validate(
    questions: list[Question],
    hits: list[list[Hit]],
    settings: KnowledgeBaseSettings,
    folds: int = CV_FOLDS,
) -> dict[str, Any]:
    """k-fold cross-validation of the thresholds: chosen on k-1 folds, applied to the
    remaining one; the held-out outcomes of all folds are added up. Also returns the
    thresholds chosen on all questions (the ones to configure)."""
    profiles = _profiles(questions, hits, settings)
    assignment = fold_ids(len(profiles), folds)
    counts: dict[str, int] = {}
    per_fold = []
    for k in range(folds):
        train = [p for p, f in zip(profiles, assignment, strict=True) if f != k]
        test = [p for p, f in zip(profiles, assignment, strict=True) if f == k]
        thresholds, _ = choose_thresholds(train)
        per_fold.append(thresholds)
        for key, value in summarise(test, thresholds).items():
            counts[key] = counts.get(key, 0) + value
    final, utility = choose_thresholds(profiles)
    return {
        "folds": per_fold,
        "held_out": rates(counts, sum(p.in_scope for p in profiles), len(profiles)),
        "final": final,
        "final_utility": utility,
        "final_in_sample": rates(
            summarise(profiles, final), sum(p.in_scope for p in profiles), len(profiles)
        ),
    }


def rates(counts: dict[str, int], n_in: int, n: int) -> dict[str, Any]:
    """Counts plus the rates the targets are stated in."""
    n_out = n - n_in
    right = counts.get("in:answer_right", 0) + counts.get("in:clarify_right", 0)
    return {
        "counts": dict(sorted(counts.items())),
        "in_scope_answered_right": counts.get("in:answer_right", 0) / max(n_in, 1),
        "in_scope_answered_or_clarified_right": right / max(n_in, 1),
        "in_scope_answered_wrong": counts.get("in:answer_wrong", 0) / max(n_in, 1),
        "out_of_scope_answered": counts.get("out:answer", 0) / max(n_out, 1),
        "out_of_scope_abstained": counts.get("out:abstain", 0) / max(n_out, 1),
    }

"""Calibrate the decision thresholds on questions checked by their key fact.

The sets of real user questions (``eval/real_questions/``) carry no expected entry: a reply
is right when it contains the key fact (``must_contain_any`` / ``must_contain_all``
regexes, as in the conversation evaluation). This module turns such items into the
:class:`~knowledge_base.evaluation.Profile` objects of the threshold calibration: an answer
is right when the best entry's answer holds the fact, a clarification when one of the
offered entries does. Only the **development** split may be used here; the held-out test
split is for the reported figures only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.decision import decide
from knowledge_base.evaluation import Profile, summarise
from knowledge_base.jsonl import read_jsonl
from knowledge_base.search import KnowledgeBase

IN_SCOPE_KINDS = frozenset({"faq"})
OUT_OF_SCOPE_KINDS = frozenset({"out_of_scope"})


def load_fact_items(path: Path) -> list[dict[str, Any]]:
    """The single-turn portal and out-of-scope items of a JSONL set."""
    items = [item for _number, item in read_jsonl(path)]
    return [
        i for i in items if i["kind"] in IN_SCOPE_KINDS | OUT_OF_SCOPE_KINDS and not i.get("turns")
    ]


def holds_fact(item: dict[str, Any], text: str) -> bool:
    lowered = text.lower()
    any_of = item.get("must_contain_any") or []
    all_of = item.get("must_contain_all") or []
    return (not any_of or any(re.search(p, lowered) for p in any_of)) and all(
        re.search(p, lowered) for p in all_of
    )


def fact_profile(
    item: dict[str, Any], kb: KnowledgeBase, settings: KnowledgeBaseSettings
) -> Profile:
    """What each decision branch would give for ``item`` (one forced-clarify decision)."""
    in_scope = item["kind"] in IN_SCOPE_KINDS
    forced = settings.model_copy(update={"answer_min_score": 2.0, "clarify_min_score": 0.0})
    d = decide(item["question"], kb.search(item["question"]), forced)
    if not d.candidates:
        return Profile(in_scope, 0.0, 0.0, False, "abstain", "abstain")
    if not in_scope:
        return Profile(False, d.best_score, d.margin, d.agree, "answer", d.action)
    first = "answer_right" if holds_fact(item, d.candidates[0].unit.answer) else "answer_wrong"
    if d.action == "abstain":
        return Profile(True, d.best_score, d.margin, d.agree, first, "abstain")
    any_right = any(holds_fact(item, h.unit.answer) for h in d.candidates)
    clarified = "clarify_right" if any_right else "clarify_wrong"
    if d.action == "answer":  # a lone candidate: clarifying is answering
        clarified = first
    return Profile(True, d.best_score, d.margin, d.agree, first, clarified)


def outcome_counts(profiles: list[Profile], thresholds: dict[str, float]) -> dict[str, int]:
    """Outcome counts under ``thresholds``, sorted by name (the calibration's summary)."""
    return dict(sorted(summarise(profiles, thresholds).items()))

"""The seed spread's offline outcomes and ranges."""

from __future__ import annotations

from typing import Any

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.decision import Action, Decision
from knowledge_base.documents import Unit
from knowledge_base.search import Hit
from knowledge_base.seed_spread import OUTCOMES, offline_outcome, set_outcomes, spread

RIGHT = "Le délai global de paiement est de 30 jours."
OFF = "Le portail est gratuit."
FAQ_ITEM: dict[str, Any] = {"kind": "faq", "question": "délai ?", "must_contain_any": ["30 jours"]}
OOS_ITEM: dict[str, Any] = {"kind": "out_of_scope", "question": "une recette ?"}


def _hit(uid: str, answer: str) -> Hit:
    unit = Unit(id=uid, kind="faq", title=uid, answer=answer, match_texts=(uid,))
    return Hit(unit=unit, dense=0.5, lexical=0.5, fused=0.5, rank=1)


def _decision(action: Action, *answers: str) -> Decision:
    candidates = tuple(_hit(f"e{i}", a) for i, a in enumerate(answers))
    return Decision(action=action, query="q", best_score=0.5, margin=0.1, candidates=candidates)


def test_seed_spread_offline_outcome_answers_by_key_fact() -> None:
    assert offline_outcome(FAQ_ITEM, _decision("answer", RIGHT)) == "right"
    assert offline_outcome(FAQ_ITEM, _decision("answer", OFF)) == "wrong"


def test_seed_spread_offline_outcome_clarifications_and_abstentions() -> None:
    assert offline_outcome(FAQ_ITEM, _decision("clarify", OFF, RIGHT)) == "clarify_right"
    assert offline_outcome(FAQ_ITEM, _decision("clarify", OFF, OFF)) == "clarify_other"
    assert offline_outcome(FAQ_ITEM, _decision("abstain")) == "abstain"


def test_seed_spread_offline_outcome_out_of_scope() -> None:
    assert offline_outcome(OOS_ITEM, _decision("answer", RIGHT)) == "oos_answered"
    assert offline_outcome(OOS_ITEM, _decision("clarify", RIGHT, OFF)) == "oos_declined"
    assert offline_outcome(OOS_ITEM, _decision("abstain")) == "oos_declined"


class _OneEntryKb:
    """A knowledge base whose search always returns one clear hit."""

    def search(self, query: str) -> list[Hit]:
        return [_hit("delai", RIGHT)]


def test_seed_spread_set_outcomes_lists_every_outcome() -> None:
    settings = KnowledgeBaseSettings(answer_min_score=0.1, clarify_min_score=0.05)
    counts = set_outcomes(_OneEntryKb(), [FAQ_ITEM, FAQ_ITEM, OOS_ITEM], settings)
    assert list(counts) == list(OUTCOMES)
    assert counts["right"] == 2 and counts["oos_answered"] == 1 and sum(counts.values()) == 3


def test_seed_spread_spread_takes_min_and_max_per_set() -> None:
    zero = dict.fromkeys(OUTCOMES, 0)
    runs = [
        {"dev": {**zero, "right": 70, "wrong": 9}, "test": {**zero, "right": 118}},
        {"dev": {**zero, "right": 73, "wrong": 7}, "test": {**zero, "right": 120}},
        {"dev": {**zero, "right": 71, "wrong": 8}},
    ]
    ranges = spread(runs)
    assert list(ranges) == ["dev"]  # a set missing from one run has no range
    assert ranges["dev"]["right"] == (70, 73) and ranges["dev"]["wrong"] == (7, 9)

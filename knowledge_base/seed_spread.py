"""How far the quality figures move with the embedder's fine-tuning seed alone.

The fine-tuning is deterministic for a given content (:data:`knowledge_base.finetune.SEED`),
but any change of the content changes its training pairs, so the embedder ends elsewhere,
as a different seed would put it. A figure that moves by less than the spread between seeds
on the same content says nothing about a change. This module fine-tunes the embedder with
several seeds on the same content, builds a throw-away index with each, and counts the
decision outcomes of the fact-checked sets offline (the retrieval and :func:`decide` alone,
without Rasa's routing or the conversation's follow-ups):

- ``right`` / ``wrong``: answered, with / without the key fact;
- ``clarify_right`` / ``clarify_other``: « Vouliez-vous dire… » with / without an offered
  entry holding it;
- ``abstain``;
- ``oos_answered`` / ``oos_declined``: out-of-scope questions answered or not.

Only counts are printed, for the held-out sets as for the others.

Usage: ``python -m knowledge_base seed-spread --seeds 20261127 1 2 3``
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Protocol

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.decision import Decision, decide
from knowledge_base.fact_calibration import IN_SCOPE_KINDS, holds_fact, load_fact_items
from knowledge_base.search import Hit

# The real-question sets counted, from ``eval/real_questions/``.
SPREAD_SETS = ("dev", "dev2", "test", "test2", "test3")
OUTCOMES = (
    "right",
    "wrong",
    "clarify_right",
    "clarify_other",
    "abstain",
    "oos_answered",
    "oos_declined",
)


class Searcher(Protocol):
    """What the counts need of a knowledge base."""

    def search(self, query: str) -> list[Hit]: ...


def offline_outcome(item: dict[str, Any], decision: Decision) -> str:
    """The outcome of ``item`` (one of :data:`OUTCOMES`) under ``decision``."""
    if item["kind"] not in IN_SCOPE_KINDS:
        return "oos_answered" if decision.action == "answer" else "oos_declined"
    if decision.action == "answer":
        return "right" if holds_fact(item, decision.candidates[0].unit.answer) else "wrong"
    if decision.action == "clarify":
        offered = any(holds_fact(item, hit.unit.answer) for hit in decision.candidates)
        return "clarify_right" if offered else "clarify_other"
    return "abstain"


def set_outcomes(
    kb: Searcher, items: list[dict[str, Any]], settings: KnowledgeBaseSettings
) -> dict[str, int]:
    """Outcome counts of ``items`` on ``kb`` (every outcome listed, zeros included)."""
    counts = Counter(
        offline_outcome(item, decide(item["question"], kb.search(item["question"]), settings))
        for item in items
    )
    return {name: counts[name] for name in OUTCOMES}


def seed_outcomes(
    settings: KnowledgeBaseSettings, seed: int, eval_dir: Path, work_dir: Path
) -> dict[str, dict[str, int]]:
    """Fine-tune the embedder with ``seed`` on the content, index the content with it in
    ``work_dir``, and count the outcomes of each of :data:`SPREAD_SETS`."""
    from knowledge_base.commands.common import temporary_kb
    from knowledge_base.embedder import load_embedder
    from knowledge_base.finetune import build_fine_tuned_embedder

    model_dir = work_dir / f"embedder-{seed}"
    build_fine_tuned_embedder(model_dir, settings.content_dir, seed=seed)
    embedder = load_embedder(str(model_dir))
    decision_log = logging.getLogger("knowledge_base.decision")
    level = decision_log.level
    decision_log.setLevel(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(dir=work_dir) as index_dir:
            kb = temporary_kb(settings, embedder, None, Path(index_dir))
            return {
                name: set_outcomes(kb, load_fact_items(eval_dir / f"{name}.jsonl"), settings)
                for name in SPREAD_SETS
                if (eval_dir / f"{name}.jsonl").exists()
            }
    finally:
        decision_log.setLevel(level)
        load_embedder.cache_clear()
        shutil.rmtree(model_dir, ignore_errors=True)  # 75 MB a seed: not kept for the next


def spread(runs: list[dict[str, dict[str, int]]]) -> dict[str, dict[str, tuple[int, int]]]:
    """For each set and outcome, the lowest and highest count over ``runs``."""
    names = [name for name in SPREAD_SETS if all(name in run for run in runs)]
    return {
        name: {
            outcome: (
                min(run[name][outcome] for run in runs),
                max(run[name][outcome] for run in runs),
            )
            for outcome in OUTCOMES
        }
        for name in names
    }

"""``evaluate``: rank metrics of every fusion (default embedder, and MiniLM when installed)
and the decisions, on a labelled question set."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge_base.commands.common import ensure_default_embedder, temporary_kb
from knowledge_base.config import KnowledgeBaseSettings, get_settings
from knowledge_base.embedder import load_embedder, minilm_path

if TYPE_CHECKING:
    from knowledge_base.documents import Unit
    from knowledge_base.evaluation import Question
    from knowledge_base.search import Fusion

# Fusions measured with the default embedder, and with the MiniLM comparison.
FUSIONS: tuple[Fusion, ...] = ("bm25", "dense", "classifier", "convex", "rrf")
MINILM_FUSIONS: tuple[Fusion, ...] = ("dense", "convex", "rrf")


def _questions(
    args: argparse.Namespace, settings: KnowledgeBaseSettings
) -> tuple[list[Question], list[Unit] | None, str]:
    """(questions, units to index or None for the real content, description)."""
    from knowledge_base.documents import build_units
    from knowledge_base.evaluation import (
        OUT_OF_SCOPE_SET,
        RETRIEVAL_SET,
        holdout_split,
        load_questions,
    )

    path = Path(args.set) if args.set else RETRIEVAL_SET
    units: list[Unit] | None
    if path.exists() and not args.holdout:
        questions = load_questions(path)
        label = str(path)
        units = None
    else:
        units, questions = holdout_split(build_units(settings.content_dir))
        label = "variantes FAQ mises de côté (index construit sans elles)"
    if not any(not q.in_scope for q in questions) and OUT_OF_SCOPE_SET.exists():
        questions = questions + load_questions(OUT_OF_SCOPE_SET)
        label += f" + {OUT_OF_SCOPE_SET.name}"
    return questions, units, label


def _thresholds(settings: KnowledgeBaseSettings) -> dict[str, float]:
    return {
        "dense_weight": settings.dense_weight,
        "classifier_weight": settings.classifier_weight,
        "answer_min_score": settings.answer_min_score,
        "answer_min_margin": settings.answer_min_margin,
        "clarify_min_score": settings.clarify_min_score,
    }


def _print_report(report: dict[str, Any], label: str, n_questions: int) -> None:
    print(f"Jeu d'évaluation : {label} ({n_questions} questions)")
    print(f"{'méthode':<34}{'hit@1':>7}{'hit@3':>7}{'MRR@5':>7}")
    for key, m in report["retrieval"].items():
        print(f"{key:<34}{m['hit@1']:7.3f}{m['hit@3']:7.3f}{m['mrr@5']:7.3f}")
    print("Décisions :", json.dumps(report["decision"], ensure_ascii=False))


def cmd_evaluate(args: argparse.Namespace) -> int:
    from knowledge_base.evaluation import collect_hits, decision_report, rank_metrics

    settings = get_settings()
    ensure_default_embedder(settings)
    questions, units, label = _questions(args, settings)
    report: dict[str, Any] = {"set": label, "questions": len(questions), "retrieval": {}}
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        embedders: list[tuple[str, str]] = [("défaut", settings.embedder)]
        minilm = minilm_path()
        if minilm is not None and not args.no_minilm:
            embedders.append(("all-MiniLM-L6-v2", str(minilm)))
        for i, (name, model) in enumerate(embedders):
            embedder = load_embedder(model)
            kb = temporary_kb(settings, embedder, units, Path(tmp) / str(i))
            fusions = FUSIONS if i == 0 else MINILM_FUSIONS
            for fusion in fusions:
                metrics = rank_metrics(kb, questions, fusion)
                report["retrieval"][f"{name}/{fusion}"] = metrics
            if i == 0:
                hits = collect_hits(kb, questions)
                report["decision"] = decision_report(questions, hits, settings)
                report["thresholds"] = _thresholds(settings)
    _print_report(report, label, len(questions))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


def cmd_seed_spread(args: argparse.Namespace) -> int:
    """Outcome counts of the real-question sets with the embedder fine-tuned on each seed,
    then each count's range (:mod:`knowledge_base.seed_spread`)."""
    from knowledge_base.config import REPO_DIR
    from knowledge_base.seed_spread import OUTCOMES, seed_outcomes, spread

    settings = get_settings()
    eval_dir = REPO_DIR / "eval" / "real_questions"
    runs = []
    with tempfile.TemporaryDirectory(prefix="kb-seeds-") as tmp:
        for seed in args.seeds:
            outcomes = seed_outcomes(settings, seed, eval_dir, Path(tmp))
            runs.append(outcomes)
            print(json.dumps({"seed": seed, **outcomes}, ensure_ascii=False), flush=True)
    print(f"Écart sur {len(runs)} graines (min–max) : " + ", ".join(OUTCOMES))
    for name, ranges in spread(runs).items():
        cells = "  ".join(f"{low}–{high}" for low, high in ranges.values())
        print(f"  {name:6} {cells}")
    return 0

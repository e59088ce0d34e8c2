"""``calibrate``: the fusion weights and decision thresholds by k-fold cross-validation;
``calibrate-facts``: the decision thresholds on a set checked by key-fact regexes."""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge_base.commands.common import ensure_default_embedder, load_kb, temporary_kb
from knowledge_base.config import get_settings
from knowledge_base.embedder import load_embedder

if TYPE_CHECKING:
    from knowledge_base.evaluation import Question
    from knowledge_base.search import KnowledgeBase

# Fusion weights tried by the calibration: (dense, classifier) pairs on a 0.05 grid, the
# lexical side getting the rest.
WEIGHT_STEP = 0.05
# Weight pairs listed, best first, before the cross-validation.
BEST_SHOWN = 8


def _weight_grid() -> list[tuple[float, float]]:
    steps = [round(WEIGHT_STEP * i, 2) for i in range(int(round(1 / WEIGHT_STEP)) + 1)]
    return [(wd, wc) for wd in steps for wc in steps if wd + wc <= 1.0 + 1e-9]


def _reciprocal_ranks(
    kb: KnowledgeBase, questions: list[Question], weights: list[tuple[float, float]]
) -> np.ndarray:
    """(questions × weights) reciprocal rank @5 of the first right unit, convex fusion with
    each (dense, classifier) weight pair."""
    from knowledge_base.evaluation import unit_is_right
    from knowledge_base.search import fuse

    out = np.zeros((len(questions), len(weights)))
    for i, q in enumerate(questions):
        dense, lexical, classifier = kb.scores(q.question)
        for j, (wd, wc) in enumerate(weights):
            order = np.argsort(-fuse(dense, lexical, classifier, wd, wc), kind="stable")[:5]
            for rank, unit in enumerate(order, start=1):
                if unit_is_right(kb.units[unit], q.expected):
                    out[i, j] = 1.0 / rank
                    break
    return out


def _objective(rr: np.ndarray) -> np.ndarray:
    """Per weight pair: MRR@5, ties broken by hit@1 (the objective of the weight choice)."""
    result: np.ndarray = rr.mean(axis=0) + 1e-3 * (rr == 1).mean(axis=0)
    return result


def _held_out_ranks(rr: np.ndarray, weights: list[tuple[float, float]], folds: int) -> np.ndarray:
    """Each question's reciprocal rank under the weights chosen on the other folds."""
    from knowledge_base.evaluation import fold_ids

    assignment = np.asarray(fold_ids(len(rr), folds))
    held_out = np.zeros(len(rr))
    for k in range(folds):
        train = assignment != k
        chosen = int(np.argmax(_objective(rr[train])))
        held_out[~train] = rr[~train, chosen]
        wd, wc = weights[chosen]
        print(f"  pli {k + 1} : dense {wd:.2f}, classifieur {wc:.2f} choisis sur les autres")
    return held_out


def _choose_weights(kb: KnowledgeBase, in_scope: list[Question], folds: int) -> tuple[float, float]:
    """The (dense, classifier) weights of best objective on ``in_scope``, with the best
    pairs and their cross-validated figures printed."""
    weights = _weight_grid()
    rr = _reciprocal_ranks(kb, in_scope, weights)
    objective = _objective(rr)
    print("Meilleurs poids (dense, classifieur ; BM25 le reste) sur tout le jeu :")
    for j in np.argsort(-objective, kind="stable")[:BEST_SHOWN]:
        wd, wc = weights[j]
        print(
            f"  dense {wd:.2f}, classifieur {wc:.2f} : hit@1 {np.mean(rr[:, j] == 1):.3f}  "
            f"MRR@5 {rr[:, j].mean():.3f}"
        )
    held_out = _held_out_ranks(rr, weights, folds)
    wd, wc = weights[int(np.argmax(objective))]
    print(
        f"Poids retenus : dense {wd:.2f}, classifieur {wc:.2f}, BM25 {1 - wd - wc:.2f} ; "
        f"validation croisée : hit@1 {np.mean(held_out == 1):.3f}, "
        f"MRR@5 {held_out.mean():.3f}"
    )
    return wd, wc


def _print_thresholds(report: dict[str, Any]) -> None:
    print("Seuils choisis par pli :", json.dumps(report["folds"]))
    print(
        "Décisions sur les plis mis de côté :", json.dumps(report["held_out"], ensure_ascii=False)
    )
    print(
        f"Seuils retenus sur tout le jeu (utilité {report['final_utility']:.1f}) : "
        f"{json.dumps(report['final'])}"
    )
    print(
        "Mêmes seuils, sur tout le jeu :", json.dumps(report["final_in_sample"], ensure_ascii=False)
    )


def cmd_calibrate(args: argparse.Namespace) -> int:
    from knowledge_base.evaluation import (
        OUT_OF_SCOPE_SET,
        RETRIEVAL_SET,
        collect_hits,
        cross_validate,
        load_questions,
    )

    settings = get_settings()
    ensure_default_embedder(settings)
    embedder = load_embedder(settings.embedder)
    questions = load_questions(RETRIEVAL_SET) + load_questions(OUT_OF_SCOPE_SET)
    in_scope = [q for q in questions if q.in_scope]
    print(
        f"Calibration par validation croisée à {args.folds} plis : {RETRIEVAL_SET.name} + "
        f"{OUT_OF_SCOPE_SET.name} ({len(in_scope)} questions dans le périmètre, "
        f"{len(questions) - len(in_scope)} hors périmètre)"
    )
    with tempfile.TemporaryDirectory(prefix="kb-cal-") as tmp:
        kb = temporary_kb(settings, embedder, None, Path(tmp))
        wd, wc = _choose_weights(kb, in_scope, args.folds)
        kb.settings = settings.model_copy(update={"dense_weight": wd, "classifier_weight": wc})
        hits = collect_hits(kb, questions)
        report = cross_validate(questions, hits, kb.settings, folds=args.folds)
    _print_thresholds(report)
    return 0


def cmd_calibrate_facts(args: argparse.Namespace) -> int:
    from knowledge_base.evaluation import choose_thresholds
    from knowledge_base.fact_calibration import fact_profile, load_fact_items, outcome_counts

    settings = get_settings()
    kb = load_kb(settings)
    if kb is None:
        return 1
    items = load_fact_items(Path(args.set))
    logging.getLogger("knowledge_base.decision").setLevel(logging.WARNING)
    profiles = [fact_profile(item, kb, settings) for item in items]
    current = {
        "answer_min_score": settings.answer_min_score,
        "answer_min_margin": settings.answer_min_margin,
        "clarify_min_score": settings.clarify_min_score,
    }
    print(f"{len(items)} questions de {args.set}")
    print("Seuils actuels", json.dumps(current), json.dumps(outcome_counts(profiles, current)))
    chosen, utility = choose_thresholds(profiles)
    print(
        f"Seuils d'utilité maximale ({utility:.1f})",
        json.dumps(chosen),
        json.dumps(outcome_counts(profiles, chosen)),
    )
    return 0

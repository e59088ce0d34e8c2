"""Command line of the knowledge base: ``python -m knowledge_base <command>``.

Commands:
    build-embedder  build the default offline French static embedder (var/models/…) and
                    fine-tune it on the FAQ and guides (--no-fine-tune: spaCy vectors only)
    build           build the index (builds the default embedder first when missing or
                    trained on other content); --if-stale: only when something changed
    search Q        top hits with dense / lexical / fused scores, and the decision
    evaluate        hit@1, hit@3, MRR@5 (BM25, dense, hybrid; default embedder vs MiniLM)
                    and decision accuracy, on eval/retrieval_set.jsonl (or --set PATH;
                    held-out FAQ variants when no set exists)
    calibrate       choose the decision thresholds by k-fold cross-validation on
                    eval/retrieval_set.jsonl + eval/out_of_scope.jsonl (figures per held-out
                    fold), and report the fusion weight curve
    calibrate-facts decision outcomes and the best thresholds on a set checked by key-fact
                    regexes (--set: the development split of the real questions)
    inventory       coverage of the subjects public sources document, and the open gaps
    bench           search latency p50/p95, and a synthetic 100,000-row flat vs HNSW run
    leakage         evaluation questions found in the training text (paraphrases, FAQ,
                    nlu_data) at a similarity of 90 or more; code 1 when there is one
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from knowledge_base.config import DEFAULT_EMBEDDER_DIR, KnowledgeBaseSettings, get_settings
from knowledge_base.embedder import Embedder, build_static_model, load_embedder, minilm_path
from knowledge_base.finetune import TRAINING_MANIFEST, build_fine_tuned_embedder
from knowledge_base.index import KnowledgeIndexError, build_index, embedder_is_stale, is_stale
from knowledge_base.leakage import SIMILARITY_THRESHOLD

FUSIONS = ("bm25", "dense", "classifier", "convex", "rrf")


def _ensure_default_embedder(settings: KnowledgeBaseSettings) -> None:
    """(Re)build our fine-tuned embedder when it is missing or its training data changed."""
    if embedder_is_stale(settings):
        path = Path(settings.embedder)
        print(f"Construction et affinage de l'embedder dans {path}…")
        report = build_fine_tuned_embedder(path, settings.content_dir)
        load_embedder.cache_clear()
        print(f"Embedder affiné sur {report['pairs']:.0f} paires en {report['seconds']} s.")


def _build(
    settings: KnowledgeBaseSettings, embedder: Embedder, units: Any = None
) -> dict[str, Any]:
    from tqdm import tqdm

    bar = tqdm(desc="Indexation", unit="texte", file=sys.stderr)

    def progress(stage: str, n: int) -> None:
        if stage == "rows":
            bar.total = 2 * n
            bar.refresh()
        else:
            bar.set_postfix_str(stage)
            bar.update(n)

    try:
        return build_index(settings, embedder, progress=progress, units=units)
    finally:
        bar.close()


def cmd_build_embedder(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    output = Path(args.output)
    if args.no_fine_tune:
        build_static_model(output)
        (output / TRAINING_MANIFEST).unlink(missing_ok=True)
    else:
        report = build_fine_tuned_embedder(output, get_settings().content_dir)
        print(
            f"Affinage : {report['pairs']:.0f} paires, {report['steps']:.0f} pas, perte "
            f"{report['first_loss']:.2f} → {report['last_loss']:.2f}."
        )
    print(f"Embedder construit dans {output} en {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.if_stale and not is_stale(settings):
        print(f"Index à jour dans {settings.index_dir} : rien à reconstruire.")
        return 0
    # Two builds at once (a developer and a test run) would write the same files: the second
    # waits for the first, then finds the index up to date.
    lock_path = settings.index_dir.parent / f".{settings.index_dir.name}.build.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if args.if_stale and not is_stale(settings):
            print(f"Index construit entre-temps dans {settings.index_dir} : rien à refaire.")
            return 0
        _ensure_default_embedder(settings)
        manifest = _build(settings, load_embedder(settings.embedder))
    print(
        f"Index construit dans {settings.index_dir} : {manifest['units']} unités, "
        f"{manifest['count']} textes, dimension {manifest['dimension']}, "
        f"{manifest['build_seconds']} s."
    )
    return 0


def _load_kb(settings: KnowledgeBaseSettings) -> Any:
    from knowledge_base.search import KnowledgeBase

    try:
        return KnowledgeBase.load(settings)
    except (KnowledgeIndexError, FileNotFoundError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return None


def cmd_search(args: argparse.Namespace) -> int:
    from knowledge_base.decision import decide

    settings = get_settings()
    kb = _load_kb(settings)
    if kb is None:
        return 2
    if kb.is_stale():
        print("Attention : le contenu a changé depuis l'indexation (relancez `make index`).")
    hits = kb.search(args.question, top_k=args.top_k)
    print(f"{'rang':>4}  {'dense':>6}  {'lex.':>6}  {'class.':>6}  {'fusion':>6}  entrée")
    for hit in hits:
        print(
            f"{hit.rank:>4}  {hit.dense:6.3f}  {hit.lexical:6.3f}  {hit.classifier:6.3f}  "
            f"{hit.fused:6.3f}  {hit.unit.id} — {hit.unit.title}"
        )
    decision = decide(args.question, hits, settings)
    print(
        f"\nDécision : {decision.action} (score {decision.best_score:.3f}, "
        f"écart {decision.margin:.3f}) ; candidats : {[h.unit.id for h in decision.candidates]}"
    )
    if decision.action == "answer" and decision.best:
        print(f"Réponse : {decision.best.unit.answer}")
    return 0


def _questions(args: argparse.Namespace, settings: KnowledgeBaseSettings) -> tuple[Any, Any, str]:
    """(questions, units to index or None for the real content, description)."""
    from knowledge_base.documents import build_units
    from knowledge_base.evaluation import (
        OUT_OF_SCOPE_SET,
        RETRIEVAL_SET,
        holdout_split,
        load_questions,
    )

    path = Path(args.set) if args.set else RETRIEVAL_SET
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


def _temporary_kb(
    settings: KnowledgeBaseSettings, embedder: Embedder, units: Any, tmp: Path
) -> Any:
    from knowledge_base.search import KnowledgeBase

    temp_settings = settings.model_copy(update={"index_dir": tmp, "embedder": embedder.name})
    build_index(temp_settings, embedder, units=units)
    return KnowledgeBase.load(temp_settings, embedder=embedder)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from knowledge_base.evaluation import collect_hits, decision_report, rank_metrics

    settings = get_settings()
    _ensure_default_embedder(settings)
    questions, units, label = _questions(args, settings)
    report: dict[str, Any] = {"set": label, "questions": len(questions), "retrieval": {}}
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        embedders: list[tuple[str, str]] = [("défaut", settings.embedder)]
        minilm = minilm_path()
        if minilm is not None and not args.no_minilm:
            embedders.append(("all-MiniLM-L6-v2", str(minilm)))
        for i, (name, model) in enumerate(embedders):
            embedder = load_embedder(model)
            kb = _temporary_kb(settings, embedder, units, Path(tmp) / str(i))
            fusions = FUSIONS if i == 0 else ("dense", "convex", "rrf")
            for fusion in fusions:
                metrics = rank_metrics(kb, questions, fusion)
                report["retrieval"][f"{name}/{fusion}"] = metrics
            if i == 0:
                hits = collect_hits(kb, questions)
                report["decision"] = decision_report(questions, hits, settings)
                report["thresholds"] = {
                    "dense_weight": settings.dense_weight,
                    "classifier_weight": settings.classifier_weight,
                    "answer_min_score": settings.answer_min_score,
                    "answer_min_margin": settings.answer_min_margin,
                    "clarify_min_score": settings.clarify_min_score,
                }
    print(f"Jeu d'évaluation : {label} ({len(questions)} questions)")
    print(f"{'méthode':<34}{'hit@1':>7}{'hit@3':>7}{'MRR@5':>7}")
    for key, m in report["retrieval"].items():
        print(f"{key:<34}{m['hit@1']:7.3f}{m['hit@3']:7.3f}{m['mrr@5']:7.3f}")
    print("Décisions :", json.dumps(report["decision"], ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


# Fusion weights tried by the calibration: (dense, classifier) pairs on a 0.05 grid, the
# lexical side getting the rest.
WEIGHT_STEP = 0.05


def _weight_grid() -> list[tuple[float, float]]:
    steps = [round(WEIGHT_STEP * i, 2) for i in range(int(round(1 / WEIGHT_STEP)) + 1)]
    return [(wd, wc) for wd in steps for wc in steps if wd + wc <= 1.0 + 1e-9]


def _reciprocal_ranks(kb: Any, questions: list[Any], weights: list[tuple[float, float]]) -> Any:
    """(questions × weights) reciprocal rank @5 of the first right unit, convex fusion with
    each (dense, classifier) weight pair."""
    import numpy as np

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


def cmd_calibrate(args: argparse.Namespace) -> int:
    import numpy as np

    from knowledge_base.evaluation import (
        OUT_OF_SCOPE_SET,
        RETRIEVAL_SET,
        collect_hits,
        cross_validate,
        fold_ids,
        load_questions,
    )

    settings = get_settings()
    _ensure_default_embedder(settings)
    embedder = load_embedder(settings.embedder)
    questions = load_questions(RETRIEVAL_SET) + load_questions(OUT_OF_SCOPE_SET)
    in_scope = [q for q in questions if q.in_scope]
    print(
        f"Calibration par validation croisée à {args.folds} plis : {RETRIEVAL_SET.name} + "
        f"{OUT_OF_SCOPE_SET.name} ({len(in_scope)} questions dans le périmètre, "
        f"{len(questions) - len(in_scope)} hors périmètre)"
    )
    with tempfile.TemporaryDirectory(prefix="kb-cal-") as tmp:
        kb = _temporary_kb(settings, embedder, None, Path(tmp))
        weights = _weight_grid()
        rr = _reciprocal_ranks(kb, in_scope, weights)
        # Ranked by MRR@5, ties broken by hit@1: the objective of the weight choice.
        objective = rr.mean(axis=0) + 1e-3 * (rr == 1).mean(axis=0)
        print("Meilleurs poids (dense, classifieur ; BM25 le reste) sur tout le jeu :")
        for j in np.argsort(-objective, kind="stable")[:8]:
            wd, wc = weights[j]
            print(
                f"  dense {wd:.2f}, classifieur {wc:.2f} : hit@1 {np.mean(rr[:, j] == 1):.3f}  "
                f"MRR@5 {rr[:, j].mean():.3f}"
            )
        assignment = np.asarray(fold_ids(len(in_scope), args.folds))
        held_out = np.zeros(len(in_scope))
        for k in range(args.folds):
            train = assignment != k
            fold_objective = rr[train].mean(axis=0) + 1e-3 * (rr[train] == 1).mean(axis=0)
            chosen = int(np.argmax(fold_objective))
            held_out[~train] = rr[~train, chosen]
            wd, wc = weights[chosen]
            print(f"  pli {k + 1} : dense {wd:.2f}, classifieur {wc:.2f} choisis sur les autres")
        best = int(np.argmax(objective))
        wd, wc = weights[best]
        print(
            f"Poids retenus : dense {wd:.2f}, classifieur {wc:.2f}, BM25 {1 - wd - wc:.2f} ; "
            f"validation croisée : hit@1 {np.mean(held_out == 1):.3f}, "
            f"MRR@5 {held_out.mean():.3f}"
        )
        kb.settings = settings.model_copy(update={"dense_weight": wd, "classifier_weight": wc})
        hits = collect_hits(kb, questions)
        report = cross_validate(questions, hits, kb.settings, folds=args.folds)
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
    return 0


def cmd_calibrate_facts(args: argparse.Namespace) -> int:
    from knowledge_base.evaluation import choose_thresholds
    from knowledge_base.fact_calibration import fact_profile, load_fact_items, outcome_counts

    settings = get_settings()
    kb = _load_kb(settings)
    if kb is None:
        return 1
    items = load_fact_items(Path(args.set))
    import logging

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


def cmd_inventory(args: argparse.Namespace) -> int:
    from knowledge_base.content import load_faq, load_guides
    from knowledge_base.inventory import format_inventory, load_inventory

    guides = load_guides()
    known = {e.id for e in load_faq(guides=guides)} | {s.key for g in guides for s in g.sections}
    print(format_inventory(load_inventory(known)))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from knowledge_base.bench import search_latency, synthetic_scale
    from knowledge_base.evaluation import OUT_OF_SCOPE_SET, RETRIEVAL_SET, load_questions

    settings = get_settings()
    kb = _load_kb(settings)
    if kb is None:
        return 2
    source = RETRIEVAL_SET if RETRIEVAL_SET.exists() else OUT_OF_SCOPE_SET
    queries = [q.question for q in load_questions(source)][:200]
    queries = queries or [u.title for u in kb.units]
    latency = search_latency(kb, queries)
    print(
        f"Recherche ({kb.index.dense.ntotal} textes, {len(kb.units)} unités) : "
        f"p50 {latency['p50_ms']:.1f} ms, p95 {latency['p95_ms']:.1f} ms "
        f"sur {latency['queries']} requêtes"
    )
    if args.skip_synthetic:
        return 0
    started = time.perf_counter()
    synthetic = synthetic_scale(kb.index.dense.d, rows=args.rows)
    print(json.dumps(synthetic, indent=2))
    print(f"Banc synthétique : {time.perf_counter() - started:.0f} s")
    return 0


def cmd_leakage(args: argparse.Namespace) -> int:
    from knowledge_base.leakage import LeakageError, format_overlaps, repository_overlaps

    try:
        overlaps = repository_overlaps(args.threshold)
    except LeakageError as exc:
        print(exc, file=sys.stderr)
        return 2
    if overlaps:
        print(
            f"{len(overlaps)} question(s) d'évaluation dans les données d'entraînement "
            f"(similarité ≥ {args.threshold:g}) : reformulez le texte d'entraînement.\n"
            + format_overlaps(overlaps)
        )
        return 1
    print(f"Aucune question d'évaluation dans l'entraînement (seuil {args.threshold:g}).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge_base",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="logs INFO")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build-embedder", help="construit l'embedder statique par défaut")
    p.add_argument("--output", default=str(DEFAULT_EMBEDDER_DIR))
    p.add_argument(
        "--no-fine-tune", action="store_true", help="vecteurs spaCy seuls, sans affinage"
    )
    p.set_defaults(func=cmd_build_embedder)
    p = sub.add_parser("build", help="construit l'index")
    p.add_argument(
        "--if-stale",
        action="store_true",
        help="ne reconstruire que si le contenu ou l'embedder a changé (sinon : toujours)",
    )
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("search", help="cherche une question")
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=5)
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("evaluate", help="mesure la qualité de la recherche")
    p.add_argument("--set", help="fichier JSONL de questions étiquetées")
    p.add_argument("--holdout", action="store_true", help="variantes FAQ mises de côté")
    p.add_argument("--no-minilm", action="store_true", help="sans la comparaison MiniLM")
    p.add_argument("--json", help="écrit aussi le rapport en JSON dans ce fichier")
    p.set_defaults(func=cmd_evaluate)
    p = sub.add_parser("calibrate", help="calibre poids et seuils")
    p.add_argument("--folds", type=int, default=5, help="plis de la validation croisée")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser(
        "calibrate-facts", help="seuils de décision sur un jeu vérifié par faits (jeu de dev)"
    )
    p.add_argument("--set", required=True, help="JSONL à motifs (jamais le jeu de test)")
    p.set_defaults(func=cmd_calibrate_facts)
    p = sub.add_parser("inventory", help="couverture des sujets documentés et lacunes")
    p.set_defaults(func=cmd_inventory)
    p = sub.add_parser("bench", help="latences et passage à l'échelle")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--skip-synthetic", action="store_true")
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("leakage", help="questions d'évaluation présentes dans l'entraînement")
    p.add_argument(
        "--threshold",
        type=float,
        default=SIMILARITY_THRESHOLD,
        help="similarité minimale signalée (0-100 ; défaut : le seuil des tests)",
    )
    p.set_defaults(func=cmd_leakage)
    sub.add_parser("stale", help="code 1 si l'index doit être reconstruit").set_defaults(
        func=lambda a: int(is_stale(get_settings()))
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s %(message)s",
    )
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

"""Command line of the knowledge base: ``python -m knowledge_base <command>``.

Commands:
    build-embedder  build the default offline French static embedder (var/models/…)
    build           build the index (builds the default embedder first if missing)
    search Q        top hits with dense / lexical / fused scores, and the decision
    evaluate        hit@1, hit@3, MRR@5 (BM25, dense, hybrid; default embedder vs MiniLM)
                    and decision accuracy, on eval/retrieval_set.jsonl (or --set PATH;
                    held-out FAQ variants when no set exists)
    calibrate       choose the fusion weight and the decision thresholds on held-out FAQ
                    variants + eval/out_of_scope.jsonl
    bench           search latency p50/p95, and a synthetic 100,000-row flat vs HNSW run
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from knowledge_base.config import DEFAULT_EMBEDDER_DIR, KnowledgeBaseSettings, get_settings
from knowledge_base.embedder import Embedder, build_static_model, load_embedder, minilm_path
from knowledge_base.index import KnowledgeIndexError, build_index, is_stale

FUSIONS = ("bm25", "dense", "convex", "rrf")


def _ensure_default_embedder(settings: KnowledgeBaseSettings) -> None:
    path = Path(settings.embedder)
    if path == DEFAULT_EMBEDDER_DIR and not (path / "modules.json").exists():
        print(f"Construction de l'embedder par défaut dans {path}…")
        build_static_model(path)


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
    path = build_static_model(Path(args.output))
    print(f"Embedder construit dans {path} en {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.if_stale and not is_stale(settings):
        print(f"Index à jour dans {settings.index_dir} : rien à reconstruire.")
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
    print(f"{'rang':>4}  {'dense':>6}  {'lex.':>6}  {'fusion':>6}  entrée")
    for hit in hits:
        print(
            f"{hit.rank:>4}  {hit.dense:6.3f}  {hit.lexical:6.3f}  {hit.fused:6.3f}  "
            f"{hit.unit.id} — {hit.unit.title}"
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


def cmd_calibrate(args: argparse.Namespace) -> int:
    from knowledge_base.documents import build_units
    from knowledge_base.evaluation import (
        OUT_OF_SCOPE_SET,
        calibrate,
        collect_hits,
        holdout_split,
        load_questions,
        rank_metrics,
    )

    settings = get_settings()
    _ensure_default_embedder(settings)
    embedder = load_embedder(settings.embedder)
    all_units = build_units(settings.content_dir)
    out_of_scope = load_questions(OUT_OF_SCOPE_SET)
    folds = []
    with tempfile.TemporaryDirectory(prefix="kb-cal-") as tmp:
        for fold in range(args.folds):
            units, held = holdout_split(all_units, fold)
            kb = _temporary_kb(settings, embedder, units, Path(tmp) / str(fold))
            folds.append((kb, held + (out_of_scope if fold == 0 else [])))
        n = sum(len(q) for _, q in folds)
        print(
            f"Calibration : {args.folds} plis de variantes FAQ mises de côté + "
            f"{OUT_OF_SCOPE_SET.name} ({n} questions)"
        )
        best_weight, best_mrr = settings.dense_weight, -1.0
        for step in range(11):
            weight = step / 10
            total_h1 = total_mrr = 0.0
            count = 0
            for kb, questions in folds:
                kb.settings = settings.model_copy(update={"dense_weight": weight})
                m = rank_metrics(kb, questions, "convex")
                total_h1 += m["hit@1"] * m["n"]
                total_mrr += m["mrr@5"] * m["n"]
                count += int(m["n"])
            h1, mrr = total_h1 / count, total_mrr / count
            print(f"  poids dense {weight:.1f} : hit@1 {h1:.3f}  MRR@5 {mrr:.3f}")
            if mrr > best_mrr + 1e-9:
                best_weight, best_mrr = weight, mrr
        tuned = settings.model_copy(update={"dense_weight": best_weight})
        questions, hits = [], []
        for kb, fold_questions in folds:
            kb.settings = tuned
            questions += fold_questions
            hits += collect_hits(kb, fold_questions)
        thresholds, utility = calibrate(questions, hits, tuned)
    print(f"Poids dense retenu : {best_weight:.1f} (MRR@5 {best_mrr:.3f})")
    print(f"Seuils retenus (utilité {utility:.1f}) : {json.dumps(thresholds)}")
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
    p.add_argument("--folds", type=int, default=3, help="plis de variantes mises de côté")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("bench", help="latences et passage à l'échelle")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--skip-synthetic", action="store_true")
    p.set_defaults(func=cmd_bench)
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

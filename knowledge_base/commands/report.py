"""``search``, ``inventory``, ``bench`` and ``leakage``: what the index answers, what the
sources cover, how fast it is, and whether evaluation text leaked into the training data."""

from __future__ import annotations

import argparse
import json
import sys
import time

from knowledge_base.commands.common import load_kb
from knowledge_base.config import get_settings


def cmd_search(args: argparse.Namespace) -> int:
    from knowledge_base.decision import decide

    settings = get_settings()
    kb = load_kb(settings)
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
    kb = load_kb(settings)
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

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
    seed-spread     outcome counts of the real-question sets with the embedder fine-tuned
                    on each of --seeds, and their ranges: how far a figure moves by chance
    inventory       coverage of the subjects public sources document, and the open gaps
    bench           search latency p50/p95, and a synthetic 100,000-row flat vs HNSW run
    leakage         evaluation questions found in the training text (paraphrases, FAQ,
                    nlu_data) at a similarity of 90 or more; code 1 when there is one
    update          incremental update of the index to the content (published entries),
                    as a new version made current; no embedder or classifier refit
    bench-update    seconds from a publication to the entry found by the live search
                    (on a temporary copy of the content and the index)
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from knowledge_base.commands.build import cmd_build, cmd_build_embedder, cmd_stale
from knowledge_base.commands.calibrate import cmd_calibrate, cmd_calibrate_facts
from knowledge_base.commands.evaluate import cmd_evaluate, cmd_seed_spread
from knowledge_base.commands.report import cmd_bench, cmd_inventory, cmd_leakage, cmd_search
from knowledge_base.commands.update import cmd_bench_update, cmd_update
from knowledge_base.config import DEFAULT_EMBEDDER_DIR
from knowledge_base.leakage import SIMILARITY_THRESHOLD

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _add_build_commands(sub: Subparsers) -> None:
    """``build-embedder`` and ``build``."""
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


def _add_quality_commands(sub: Subparsers) -> None:
    """``search``, ``evaluate``, ``calibrate`` and ``calibrate-facts``."""
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
    p = sub.add_parser(
        "seed-spread", help="écart des résultats selon la graine d'affinage de l'embedder"
    )
    p.add_argument("--seeds", type=int, nargs="+", required=True, help="graines d'affinage")
    p.set_defaults(func=cmd_seed_spread)


def _add_report_commands(sub: Subparsers) -> None:
    """``inventory``, ``bench``, ``leakage`` and ``stale``."""
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
        func=cmd_stale
    )
    sub.add_parser("update", help="mise à jour incrémentale de l'index").set_defaults(
        func=cmd_update
    )
    sub.add_parser(
        "bench-update", help="délai publication → entrée trouvée (sur une copie)"
    ).set_defaults(func=cmd_bench_update)


def build_parser() -> argparse.ArgumentParser:
    """The command line: the commands in the order of the module docstring."""
    parser = argparse.ArgumentParser(
        prog="python -m knowledge_base",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="logs INFO")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_build_commands(sub)
    _add_quality_commands(sub)
    _add_report_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s %(message)s",
    )
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

"""Load test and memory of a running stack (``python -m assistant.bench``; ``make bench``).

In one run, at each number of concurrent users (1, 10, 20 and 50 by default), each user
sends 15 messages, each in a fresh conversation, along three paths:

- ``rasa_bonjour``: « bonjour » straight to Rasa's REST channel (the bare Rasa reply);
- ``web_bonjour``: « bonjour » through the web app's ``POST /api/chat``;
- ``web_knowledge``: the FAQ entries' own questions (``knowledge_base/faq``) through
  ``POST /api/chat``, answered by the retrieval (the count of knowledge answers shows it).

Around each level, the CPU each server (and the load client) spent per message
(:mod:`assistant.bench_cpu`). Then long conversations (turn 30 against turn 1) and the
resident memory of every process of the stack (:mod:`assistant.bench_memory`) after the
load. The markdown tables are printed
and the results written as JSON to ``var/bench/``. The stack must run with the rate limits
lifted (``ASSISTANT_RATE_LIMIT_PER_SESSION`` and ``…_PER_CLIENT``): ``--start-stack`` starts
one so (:mod:`assistant.bench_stack`).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.bench_cpu import cpu_ms_per_message, stack_cpu_seconds
from assistant.bench_load import (
    WARM_UP_MESSAGES,
    long_conversations,
    rasa_path,
    run_level,
    shuffled,
    web_path,
)
from assistant.bench_memory import stack_memory, totals
from assistant.bench_report import format_results
from assistant.config import get_settings
from assistant.runner import pids_file
from storage.paths import REPO_ROOT

__all__ = ["format_results", "main", "run"]

LEVELS = (1, 10, 20, 50)
"""Numbers of concurrent users measured by default."""
MESSAGES_PER_USER = 15
LONG_CONVERSATIONS = 10
LONG_TURNS = 30
OUT_DIR = REPO_ROOT / "var" / "bench"
NOT_ANSWERED_WARNING = (
    "  Attention : {} réponses de la base de connaissances seulement ; index absent ou "
    "périmé ? (voir var/log/actions.log)"
)


def faq_questions() -> list[str]:
    """The FAQ entries' own questions, in a fixed shuffled order."""
    from knowledge_base.content import load_faq

    return shuffled([entry.question for entry in load_faq()])


def run(
    web_url: str,
    rasa_url: str,
    per_user: int = MESSAGES_PER_USER,
    *,
    levels: Sequence[int] = LEVELS,
    long_turns: int = LONG_TURNS,
    long_count: int = LONG_CONVERSATIONS,
    pids_path: Path | None = None,
) -> dict[str, Any]:
    """Measure the three paths at each level, long conversations, then the memory."""
    questions = faq_questions()
    routes = [
        rasa_path(rasa_url, "bonjour"),
        web_path("web_bonjour", web_url, ["bonjour"]),
        web_path("web_knowledge", web_url, questions),
    ]
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "messages_per_user": per_user,
        "questions": len(questions),
        "levels": [],
    }
    pids = pids_path or pids_file(get_settings().web_port)
    for users in levels:
        for route in routes:
            before = stack_cpu_seconds(pids) if pids.exists() else None
            level = asyncio.run(run_level(route, users, per_user))
            entry = level.as_dict()
            if before is not None:  # warm-up messages are sent in the same window
                sent = level.messages + WARM_UP_MESSAGES
                entry["cpu_ms_per_message"] = cpu_ms_per_message(
                    before, stack_cpu_seconds(pids), sent
                )
            results["levels"].append(entry)
            print(f"  {route.name} × {users}: p95 {level.p95_ms:.0f} ms", file=sys.stderr)
            if route.name == "web_knowledge" and level.knowledge_answers < level.messages / 2:
                print(NOT_ANSWERED_WARNING.format(level.knowledge_answers), file=sys.stderr)
    if long_turns and long_count:
        long = asyncio.run(long_conversations(routes[2], long_count, long_turns))
        results["long"] = long.as_dict()
    if pids.exists():
        processes = stack_memory(pids)
        results["memory"] = {
            "processes": [p.as_dict() for p in processes],
            "total": totals(processes),
        }
    return results


def write_json(results: dict[str, Any], out_dir: Path = OUT_DIR) -> Path:
    """Write ``results`` to ``out_dir/load-<UTC time>.json``; returns the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"load-{stamp}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _levels(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"niveaux invalides : « {text} »") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("au moins un niveau, chacun d'un utilisateur ou plus")
    return values


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m assistant.bench", description=__doc__)
    parser.add_argument("--url", default=f"http://127.0.0.1:{settings.web_port}")
    parser.add_argument("--rasa-url", default=settings.rasa_url)
    parser.add_argument("--levels", type=_levels, default=list(LEVELS), help="ex. 1,10,20,50")
    parser.add_argument("--messages-per-user", type=int, default=MESSAGES_PER_USER)
    parser.add_argument("--long-turns", type=int, default=LONG_TURNS, help="0 : aucune")
    parser.add_argument("--long-conversations", type=int, default=LONG_CONVERSATIONS)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument(
        "--start-stack",
        action="store_true",
        help="démarrer une pile (sans entraînement ni indexation, limites levées), puis l'arrêter",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.start_stack:
        from assistant.bench_stack import running_stack

        with running_stack() as (web_url, rasa_url, pids):
            results = _measure(args, web_url, rasa_url, pids)
    else:
        results = _measure(args, args.url, args.rasa_url, None)
    print(format_results(results))
    print(f"\nRésultats : {write_json(results, args.out_dir)}")
    return 0


def _measure(
    args: argparse.Namespace, web_url: str, rasa_url: str, pids: Path | None
) -> dict[str, Any]:
    return run(
        web_url,
        rasa_url,
        args.messages_per_user,
        levels=args.levels,
        long_turns=args.long_turns,
        long_count=args.long_conversations,
        pids_path=pids,
    )


if __name__ == "__main__":
    sys.exit(main())

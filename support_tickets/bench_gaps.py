"""Content gaps at scale: ``python -m support_tickets.bench_gaps [--questions 100000]
[--calibrate]``.

1. With ``--calibrate``, the evidence of :data:`~support_tickets.gaps.GAP_DISTANCE`: the
   knowledge base's paraphrases (user wordings, each of one entry) grouped at several cuts
   and compared with their entries (adjusted Rand index, homogeneity: a group holds one
   entry's wordings, completeness: an entry's wordings stay in one group).
2. N varied questions synthesised from the stored wordings (the paraphrases, the evaluation
   sets' questions) with French openings, closings and spellings, stored as chat turns of one
   period in a throw-away SQLite database (or ``--database-url``): 70 % abstained, 20 %
   thumbs-down, 10 % asked before an escalation (each with its « conseiller » turn).
3. :func:`~support_tickets.gaps.find_gaps` over the period, timed step by step: the
   selection, the embedding (one batch), the grouping, the nearest entries; then the whole
   call once more, with the peak memory of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from knowledge_base.config import get_settings as get_kb_settings
from knowledge_base.content import load_paraphrases
from knowledge_base.text import fold
from portal.conversations.models import ChatTurn
from storage.db import make_engine
from storage.migrate import upgrade
from support_tickets.gaps import GAP_DISTANCE, find_gaps, group_questions, select_questions
from support_tickets.gaps_cluster import cluster
from support_tickets.gaps_index import get_knowledge_index
from support_tickets.pilotage import PilotageFilters
from support_tickets.sla import PARIS

SEED = 20261206
CALIBRATION_CUTS = (0.50, 0.55, 0.60, 0.65, 0.70)
OPENINGS = ("", "Bonjour, ", "bonjour ", "Bonjour. ", "svp ", "Question : ", "Re bonjour, ",
            "Madame, Monsieur, ", "salut, ", "Bonsoir, ")  # fmt: skip
CLOSINGS = ("", " ?", " merci", " Merci d'avance.", " svp", " c'est urgent", " !",
            " Cordialement.", " merci beaucoup", " (je suis perdu)")  # fmt: skip
INSERT_BATCH = 10_000


def _wordings() -> list[str]:
    """The stored user wordings: paraphrases and the evaluation sets' questions."""
    texts = [text for wordings in load_paraphrases().values() for text in wordings]
    eval_dir = get_kb_settings().content_dir / "eval"
    for path in sorted(eval_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(json.loads(line)["question"]))
    return texts


def synthesise(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct questions: a stored wording with an opening, a closing, and one
    spelling in three lower-cased or without accents."""
    base = _wordings()
    found: set[str] = set()
    while len(found) < count:
        text = rng.choice(OPENINGS) + rng.choice(base).rstrip(" ?") + rng.choice(CLOSINGS)
        spelling = rng.random()
        if spelling < 1 / 6:
            text = text.lower()
        elif spelling < 1 / 3:
            text = fold(text)
        found.add(text)
    return sorted(found, key=lambda _: rng.random())


def _rows(questions: list[str], start: dt.datetime, rng: random.Random) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i, text in enumerate(questions):
        at = start + dt.timedelta(seconds=i * 20)
        turn = {"session_id": uuid.uuid4().hex, "created_at": at, "user_text": text,
                "replies": [], "outcome": "answered", "intent": "ask_question",
                "kb": [{"decision": "abstain"}], "page": "/bench", "latency_ms": 100.0,
                "feedback": None}  # fmt: skip
        kind = rng.random()
        if kind >= 0.7:
            turn["kb"] = [{"decision": "answer"}]
        if 0.7 <= kind < 0.9:
            turn["feedback"] = "negative"
        rows.append(turn)
        if kind >= 0.9:
            later = at + dt.timedelta(seconds=5)
            rows.append({**turn, "created_at": later, "user_text": "un conseiller svp",
                         "intent": "ask_human", "kb": None})  # fmt: skip
    return rows


def store(session: Session, questions: list[str], rng: random.Random) -> PilotageFilters:
    """The questions as chat turns over the last days; the period that holds them."""
    days = max(1, len(questions) * 20 // 86_400 + 1)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    rows = _rows(questions, start, rng)
    for first in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(ChatTurn), rows[first : first + INSERT_BATCH])
    session.commit()
    today = dt.datetime.now(PARIS).date()
    return PilotageFilters(today - dt.timedelta(days=days + 1), today)


def calibrate() -> None:
    embedder = get_knowledge_index().embedder()
    texts: list[str] = []
    entries: list[str] = []
    for entry, wordings in load_paraphrases().items():
        texts.extend(wordings)
        entries.extend([entry] * len(wordings))
    vectors = embedder.encode(texts)
    from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure

    print(f"calibration: {len(texts)} paraphrases of {len(set(entries))} entries")
    for cut in CALIBRATION_CUTS:
        labels = cluster(vectors, cut)
        homogeneity, completeness, _ = homogeneity_completeness_v_measure(entries, labels)
        print(
            f"  cut {cut:.2f}: {labels.max() + 1} groups, adjusted Rand "
            f"{adjusted_rand_score(entries, labels):.3f}, homogeneity {homogeneity:.3f}, "
            f"completeness {completeness:.3f}"
            + ("  <- GAP_DISTANCE" if cut == GAP_DISTANCE else "")
        )


def _timed_steps(session: Session, filters: PilotageFilters) -> None:
    """Each step's wall-clock and CPU seconds (the CPU ones do not grow when other processes
    share the cores)."""
    index = get_knowledge_index()
    embedder, entries = index.embedder(), index.entries()  # loaded before timing
    clocks = [(time.perf_counter(), time.process_time())]
    questions, _ = select_questions(session, filters)
    clocks.append((time.perf_counter(), time.process_time()))
    vectors = embedder.encode([q.text for q in questions])
    clocks.append((time.perf_counter(), time.process_time()))
    groups, isolated = group_questions(questions, vectors)
    clocks.append((time.perf_counter(), time.process_time()))
    entries.nearest(np.vstack([g.centroid for g in groups]))
    clocks.append((time.perf_counter(), time.process_time()))
    steps = ("select", "embed", "cluster", "nearest entries")
    print(
        f"{len(questions)} questions ({len(groups)} gaps, the largest {groups[0].count} "
        f"questions, {isolated} isolated questions):"
    )
    for name, before, after in zip(steps, clocks[:-1], clocks[1:], strict=True):
        print(f"  {name}: {after[0] - before[0]:.1f} s (CPU {after[1] - before[1]:.1f} s)")


def run(url: str, count: int) -> None:
    rng = random.Random(SEED)
    upgrade(url)
    engine = make_engine(url)
    with sessionmaker(bind=engine, expire_on_commit=False)() as session:
        questions = synthesise(count, rng)
        filters = store(session, questions, rng)
        _timed_steps(session, filters)
        started = time.perf_counter()
        report = find_gaps(session, filters, get_knowledge_index())
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"find_gaps over {report.question_count} questions: {seconds:.1f} s "
            f"({len(report.open)} open gaps); peak memory of the process {peak:.0f} MiB"
        )
        started = time.perf_counter()
        again = find_gaps(session, filters, get_knowledge_index())
        print(
            f"the same view again (grouping kept, support_tickets/gaps_cache.py): "
            f"{time.perf_counter() - started:.1f} s ({len(again.open)} open gaps)"
        )
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=int, default=100_000, help="stored questions (N)")
    parser.add_argument("--calibrate", action="store_true", help="print the cut's evidence")
    parser.add_argument("--database-url", help="an empty database (default: a temporary file)")
    args = parser.parse_args(argv)
    if args.calibrate:
        calibrate()
    if args.database_url:
        run(args.database_url, args.questions)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", args.questions)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

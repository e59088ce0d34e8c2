"""``update`` and ``bench-update``: the incremental index update, and its measure.

``bench-update`` works on a temporary copy of the content and of the current index (the real
ones are never written): a live knowledge base (the action server's) watches the copy, one
FAQ entry is added, then changed, as a publication does, and the time until a search finds
the new text first is printed for each.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from knowledge_base.config import KnowledgeBaseSettings, get_settings
from knowledge_base.embedder import load_embedder
from knowledge_base.index_update import update_index
from knowledge_base.index_versions import current_version_dir, mark_pending
from knowledge_base.live import LiveKnowledgeBase

BENCH_FILE = "zz-bench-update.yml"
BENCH_ID = "bench-mise-a-jour-incrementale"
BENCH_ENTRY = """- id: {id}
  question: "{question}"
  variants: []
  answer: "Ouvrez le menu « {menu} » du portail puis suivez les étapes indiquées à l'écran."
  source: comptes#mot-de-passe-oublie
  sources: ["https://exemple.gouv.fr/mesure"]
  checked: 2026-12-06
"""
# (question, menu named by the answer): the entry added, then the same entry changed.
BENCH_STEPS = (
    ("Comment déclarer une licorne violette dans le bestiaire du portail ?", "Bestiaire"),
    ("Où enregistrer un dragon à plumes dans la ménagerie du portail ?", "Ménagerie"),
)
# What the index is built from (``documents.content_files``).
CONTENT_PARTS = ("documents", "faq", "paraphrases", "rollout.yml")
# Longest wait for one step before the measure gives up.
BENCH_TIMEOUT_S = 300.0


def cmd_update(args: argparse.Namespace) -> int:
    settings = get_settings()
    report = update_index(settings, load_embedder(settings.embedder))
    if not report.version:
        print(f"Index à jour dans {current_version_dir(settings.index_dir)} : rien à faire.")
        return 0
    print(
        f"Version {report.version} : {len(report.added)} ajoutée(s), {len(report.changed)} "
        f"modifiée(s), {len(report.removed)} retirée(s), en {report.seconds:.1f} s."
    )
    return 0


def _publish(content_dir: Path, index_dir: Path, question: str, menu: str) -> float:
    """Write the bench entry as a publication does; the time it was announced."""
    mark_pending(index_dir)
    entry = BENCH_ENTRY.format(id=BENCH_ID, question=question, menu=menu)
    (content_dir / "faq" / BENCH_FILE).write_text(entry, encoding="utf-8")
    mark_pending(index_dir)
    return time.perf_counter()


def _until_found(live: LiveKnowledgeBase, question: str, started: float) -> float:
    deadline = started + BENCH_TIMEOUT_S
    while time.perf_counter() < deadline:
        hits = live.get().search(question)
        if hits and hits[0].unit.id == BENCH_ID:
            return time.perf_counter() - started
        time.sleep(0.1)
    raise TimeoutError(f"« {question} » introuvable après {BENCH_TIMEOUT_S:.0f} s")


def cmd_bench_update(args: argparse.Namespace) -> int:
    base = get_settings()
    with tempfile.TemporaryDirectory(prefix="bench-update-") as tmp:
        root = Path(tmp)
        content, index = root / "content", root / "index"
        for name in CONTENT_PARTS:
            source = base.content_dir / name
            if source.is_dir():
                shutil.copytree(source, content / name)
            elif source.exists():
                shutil.copy2(source, content / name)
        shutil.copytree(current_version_dir(base.index_dir), index)
        (index / "CURRENT").unlink(missing_ok=True)
        shutil.rmtree(index / "versions", ignore_errors=True)
        settings = KnowledgeBaseSettings(
            **{**base.model_dump(), "content_dir": content, "index_dir": index}
        )
        live = LiveKnowledgeBase(settings)
        live.get().search("bonjour")  # a serving action server has answered questions
        if live.is_stale(live.get()):  # the copy lags the content: catch up first
            update_index(settings, load_embedder(settings.embedder))
        for step, (question, menu) in enumerate(BENCH_STEPS):
            started = _publish(content, index, question, menu)
            seconds = _until_found(live, question, started)
            label = "ajoutée" if step == 0 else "modifiée"
            print(f"Entrée {label} : trouvée en premier par la recherche après {seconds:.1f} s.")
        live.stop()
    return 0

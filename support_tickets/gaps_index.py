"""The existing knowledge-base entries nearest a gap group: a search of the knowledge base's
dense index (``var/index/dense.faiss``, one row per match text, cosine = inner product) with
the group's centroid, best row per entry.

Only the dense index and each row's entry (id, title, link) are read, not the BM25 rows nor
the classifier the chat's search also loads: the console needs the nearest entries, not the
answer decision. The files are read once and again when the index's manifest changes (a
re-index or a publication swaps them), checked against the embedder that encodes the
questions (:data:`knowledge_base.index.REBUILD_HINT` otherwise). The embedder itself is the
process's one (:func:`knowledge_base.embedder.load_embedder` keeps one copy per model).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.config import get_settings as get_kb_settings
from knowledge_base.embedder import Embedder, load_embedder
from knowledge_base.index import (
    DENSE_FILE,
    MANIFEST_FILE,
    REBUILD_HINT,
    UNITS_FILE,
    KnowledgeIndexError,
    read_manifest,
)

logger = logging.getLogger(__name__)

NEAREST_ENTRIES = 3  # existing entries shown for each group
NEAREST_ROWS = 64  # index rows searched to find that many distinct entries


@dataclass(frozen=True)
class Entry:
    """An entry of the knowledge base: its id, title, kind and link (``''`` without one)."""

    id: str
    title: str
    kind: str
    url: str


@dataclass(frozen=True)
class NearEntry:
    entry: Entry
    similarity: float  # cosine of the group's centroid and the entry's closest match text


def _url(source: str) -> str:
    """The documentation link of a unit's ``source`` (as :attr:`Unit.url`)."""
    if not source:
        return ""
    slug, _, anchor = source.partition("#")
    return f"/docs/{slug}#{anchor}" if anchor else f"/docs/{slug}"


class DenseEntries:
    """The dense index and each row's entry, as built for ``manifest``."""

    def __init__(self, index_dir: Path, manifest: dict[str, Any]) -> None:
        import faiss

        self.manifest = manifest
        try:
            self.dense = faiss.read_index(str(index_dir / DENSE_FILE))
        except RuntimeError as exc:
            raise KnowledgeIndexError(f"{index_dir / DENSE_FILE}: {REBUILD_HINT}.") from exc
        self.entries: dict[str, Entry] = {}
        rows: list[str] = []
        try:
            with (index_dir / UNITS_FILE).open(encoding="utf-8") as handle:
                for line in handle:
                    record = json.loads(line)
                    unit = record["unit"]
                    rows.append(record["unit_id"])
                    if record["unit_id"] not in self.entries:
                        self.entries[record["unit_id"]] = Entry(
                            unit["id"], unit["title"], unit["kind"], _url(unit.get("source", ""))
                        )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KnowledgeIndexError(f"{index_dir / UNITS_FILE}: {REBUILD_HINT}.") from exc
        if len(rows) != self.dense.ntotal:
            raise KnowledgeIndexError(f"{index_dir / UNITS_FILE}: {REBUILD_HINT}.")
        self.row_entries = rows

    def nearest(self, centroids: np.ndarray, count: int = NEAREST_ENTRIES) -> list[list[NearEntry]]:
        """The ``count`` entries nearest each centroid (L2-normalised rows), nearest first."""
        if not len(centroids):
            return []
        queries = np.ascontiguousarray(centroids, dtype=np.float32)
        similarities, rows = self.dense.search(queries, min(NEAREST_ROWS, self.dense.ntotal))
        found: list[list[NearEntry]] = []
        for sims, hits in zip(similarities, rows, strict=True):
            best: dict[str, float] = {}
            for similarity, row in zip(sims, hits, strict=True):
                if row >= 0 and self.row_entries[row] not in best:
                    best[self.row_entries[row]] = float(similarity)
            ranked = list(best.items())[:count]
            found.append([NearEntry(self.entries[uid], sim) for uid, sim in ranked])
        return found


class KnowledgeIndex:
    """The process's embedder and dense index for the gaps page, loaded on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: DenseEntries | None = None

    def embedder(self) -> Embedder:
        """The knowledge base's embedder (the process's copy).

        Raises:
            FileNotFoundError, OSError: the embedder is not built.
        """
        return load_embedder(get_kb_settings().embedder)

    def entries(self) -> DenseEntries:
        """The dense index, re-read when its manifest changed.

        Raises:
            KnowledgeIndexError: missing, corrupt, or built with another embedder.
        """
        settings = get_kb_settings()
        manifest = read_manifest(settings.index_dir)
        if manifest.get("embedder") != settings.embedder:
            raise KnowledgeIndexError(
                f"{settings.index_dir / MANIFEST_FILE}: index built with another embedder; "
                f"{REBUILD_HINT}."
            )
        with self._lock:
            if self._entries is None or self._entries.manifest != manifest:
                self._entries = DenseEntries(settings.index_dir, manifest)
                logger.info("gaps.index_loaded rows=%d", self._entries.dense.ntotal)
            return self._entries


_index = KnowledgeIndex()


def get_knowledge_index() -> KnowledgeIndex:
    return _index

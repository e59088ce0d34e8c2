"""Incremental update of the index: bring the current index up to the content in seconds,
without refitting the embedder nor the whole classifier (``python -m knowledge_base update``).

The units of the content are compared with those of the current index (by id, then by their
whole JSON): only added or changed units are worked on.

- dense side: the vectors of unchanged rows are copied from the faiss index, the new rows
  are embedded with the *same* embedder (no fine-tuning: it is refitted, on the published
  entries too, at the next full build);
- lexical side: the unchanged rows' lemmas are copied, the new rows lemmatised, BM25 rebuilt
  (its idf over all rows: a few hundred milliseconds);
- classifier: unchanged units keep their weights, new and changed ones get a row fitted with
  the others frozen (:mod:`knowledge_base.classifier_update`).

The result is a complete index in a new version folder with its manifest, made current by an
atomic switch of the pointer (:mod:`knowledge_base.index_versions`); readers load it in the
background and swap (:mod:`knowledge_base.live`). More than :data:`MAX_INCREMENTAL_UNITS`
changed units asks for a full build instead.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.classifier import EntryClassifier
from knowledge_base.classifier_update import refit_units
from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.documents import Unit, build_units, content_hash
from knowledge_base.embedder import Embedder
from knowledge_base.index import LoadedIndex, load_index
from knowledge_base.index_build import BATCH_SIZE
from knowledge_base.index_files import (
    CLASSIFIER_FILE,
    DATA_FILES,
    DENSE_FILE,
    LEXICAL_FILE,
    MANIFEST_FILE,
    REBUILD_HINT,
    UNITS_FILE,
    KnowledgeIndexError,
    file_sha256,
    read_manifest,
)
from knowledge_base.index_versions import (
    VERSIONS_DIR,
    base_fingerprint,
    clear_pending,
    current_version_dir,
    pending_since,
    prune_versions,
    switch_to,
)
from knowledge_base.lexical import Bm25Index
from knowledge_base.text import lemmas_batch

logger = logging.getLogger("knowledge_base.index_update")

# Above this many added, changed or removed units, an incremental update is refused: a full
# build (`make index`) refits the embedder and the classifier on everything.
MAX_INCREMENTAL_UNITS = 50


@dataclass(frozen=True)
class UpdateReport:
    """What an update did: the version made current ('' when the index was up to date) and,
    with one, the new index as loaded from its files (so the updater swaps without reading
    them back)."""

    version: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    seconds: float
    index: LoadedIndex | None = field(default=None, repr=False)


@dataclass(frozen=True)
class _Plan:
    units: list[Unit]
    sources: list[int | None]
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]


def plan(old: list[Unit], new: list[Unit]) -> _Plan:
    """The new unit order (unchanged and changed units keep their place, added ones come
    last) and, per unit, its old position when it is unchanged."""
    new_by_id = {u.id: u for u in new}
    old_ids = {u.id for u in old}
    units: list[Unit] = []
    sources: list[int | None] = []
    changed: list[str] = []
    for position, unit in enumerate(old):
        replacement = new_by_id.get(unit.id)
        if replacement is None:
            continue
        same = replacement.to_json() == unit.to_json()
        units.append(replacement)
        sources.append(position if same else None)
        if not same:
            changed.append(unit.id)
    added = [u for u in new if u.id not in old_ids]
    units += added
    sources += [None] * len(added)
    removed = tuple(u.id for u in old if u.id not in new_by_id)
    return _Plan(units, sources, tuple(u.id for u in added), tuple(changed), removed)


def _new_rows(
    index: LoadedIndex, step: _Plan
) -> tuple[list[tuple[int, str]], list[int], list[tuple[int, str]]]:
    """Rows of the new index: the kept rows (with their old row number) first, then the
    rows of added and changed units."""
    new_position = {old: new for new, old in enumerate(step.sources) if old is not None}
    kept: list[tuple[int, str]] = []
    kept_rows: list[int] = []
    for row, (unit, text) in enumerate(zip(index.row_units.tolist(), index.row_texts, strict=True)):
        if unit in new_position:
            kept.append((new_position[unit], text))
            kept_rows.append(row)
    fresh = [
        (position, text)
        for position, source in enumerate(step.sources)
        if source is None
        for text in step.units[position].index_texts
    ]
    return kept, kept_rows, fresh


def _dense(index: LoadedIndex, kept_rows: list[int], texts: list[str], embedder: Embedder) -> Any:
    import faiss

    vectors = index.dense.reconstruct_n(0, index.dense.ntotal)[kept_rows]
    if texts:
        fresh = np.vstack(
            [embedder.encode(texts[i : i + BATCH_SIZE]) for i in range(0, len(texts), BATCH_SIZE)]
        ).astype(np.float32)
        faiss.normalize_L2(fresh)
        vectors = np.vstack([vectors, fresh])
    dense = faiss.IndexFlatIP(index.dense.d)
    dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return dense


def _write_rows(path: Path, units: list[Unit], rows: list[tuple[int, str]]) -> None:
    """``units.jsonl`` as the full build writes it (``index_build._write_units``), each
    unit's JSON encoded once instead of once per row."""
    encoded: dict[int, str] = {}
    with path.open("w", encoding="utf-8") as handle:
        for row, (u_i, text) in enumerate(rows):
            if u_i not in encoded:
                encoded[u_i] = json.dumps(units[u_i].to_json(), ensure_ascii=False)
            unit_id = json.dumps(units[u_i].id, ensure_ascii=False)
            handle.write(
                f'{{"row": {row}, "unit_id": {unit_id}, '
                f'"text": {json.dumps(text, ensure_ascii=False)}, "unit": {encoded[u_i]}}}\n'
            )


def _build_version(
    settings: KnowledgeBaseSettings, index: LoadedIndex, step: _Plan, embedder: Embedder
) -> tuple[Path, LoadedIndex]:
    """Write the new version's files in a staging folder under ``versions/``; the folder and
    the new index as its files hold it (the classifier's weights rounded to float16 as
    saved), the manifest still without its content hash."""
    import faiss

    kept, kept_rows, fresh = _new_rows(index, step)
    rows = kept + fresh
    texts = [text for _, text in fresh]
    dense = _dense(index, kept_rows, texts, embedder)
    tokens = [index.lexical.documents[r] for r in kept_rows] + [
        t for i in range(0, len(texts), BATCH_SIZE) for t in lemmas_batch(texts[i : i + BATCH_SIZE])
    ]
    classifier = refit_units(index.classifier, step.sources, rows)
    root = settings.index_dir / VERSIONS_DIR
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".version-", dir=root))
    faiss.write_index(dense, str(staging / DENSE_FILE))
    _write_rows(staging / UNITS_FILE, step.units, rows)
    lexical = Bm25Index(tokens)
    lexical.save(staging / LEXICAL_FILE)
    classifier.save(staging / CLASSIFIER_FILE)
    manifest = {
        **index.manifest,
        "count": int(dense.ntotal),
        "units": len(step.units),
        "classifier": classifier.params,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "base": base_fingerprint(settings.index_dir),
        "incremental": {"added": step.added, "changed": step.changed, "removed": step.removed},
        "files": {
            name: {"bytes": (staging / name).stat().st_size, "sha256": file_sha256(staging / name)}
            for name in DATA_FILES
        },
    }
    saved = EntryClassifier(
        classifier.vocabulary,
        classifier.idf,
        classifier.weights.astype(np.float16).astype(np.float32),
        classifier.biases,
        classifier.params,
    )
    loaded = LoadedIndex(
        units=step.units,
        row_units=np.asarray([u for u, _ in rows], dtype=np.int64),
        row_texts=[t for _, t in rows],
        dense=dense,
        lexical=lexical,
        classifier=saved,
        manifest=manifest,
    )
    return staging, loaded


def _lock_path(settings: KnowledgeBaseSettings) -> Path:
    """The lock of full builds (``commands/build.py``): updates and builds never overlap."""
    return settings.index_dir.parent / f".{settings.index_dir.name}.build.lock"


def update_index(
    settings: KnowledgeBaseSettings, embedder: Embedder, current: LoadedIndex | None = None
) -> UpdateReport:
    """Bring the current index of ``settings.index_dir`` up to ``settings.content_dir``.

    Args:
        current: the index the caller has loaded; used instead of reading the files again
            when it is the current version.

    Raises:
        KnowledgeIndexError: no base index, or too many units changed (full build needed).
        ContentError: a malformed content file (named).
    """
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    started = time.perf_counter()
    lock_path = _lock_path(settings)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # One BLAS thread: on a busy machine, the default thread pool spins and makes the small
    # matrix products of the update ten to forty times slower.
    with lock_path.open("w") as lock, threadpool_limits(limits=1):
        fcntl.flock(lock, fcntl.LOCK_EX)
        seen = pending_since(settings.index_dir)
        report = _update_locked(settings, embedder, started, current)
        clear_pending(settings.index_dir, seen)
    return report


def _update_locked(
    settings: KnowledgeBaseSettings,
    embedder: Embedder,
    started: float,
    current: LoadedIndex | None,
) -> UpdateReport:
    on_disk = read_manifest(current_version_dir(settings.index_dir))
    if current is not None and current.manifest == on_disk:
        index = current
    else:
        index = load_index(settings, embedder.name)
    digest = content_hash(settings.content_dir)  # before reading: a later edit is seen next time
    if index.manifest.get("content_hash") == digest:
        return UpdateReport("", (), (), (), round(time.perf_counter() - started, 2))
    step = plan(index.units, build_units(settings.content_dir))
    touched = len(step.added) + len(step.changed) + len(step.removed)
    if touched > MAX_INCREMENTAL_UNITS:
        raise KnowledgeIndexError(
            f"{touched} entrées ajoutées, modifiées ou retirées : au-delà de "
            f"{MAX_INCREMENTAL_UNITS}, la mise à jour incrémentale est refusée ; {REBUILD_HINT}."
        )
    staging, loaded = _build_version(settings, index, step, embedder)
    seconds = round(time.perf_counter() - started, 2)
    loaded.manifest.update(content_hash=digest, update_seconds=seconds)
    text = json.dumps(loaded.manifest, indent=2, ensure_ascii=False) + "\n"
    (staging / MANIFEST_FILE).write_text(text, encoding="utf-8")
    loaded.manifest = json.loads(text)  # as a reader of the files will see it
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{stamp}-{digest[:8]}"
    staging.rename(staging.parent / name)
    switch_to(settings.index_dir, name)
    prune_versions(settings.index_dir)
    logger.info(
        "index.updated version=%s added=%s changed=%s removed=%s seconds=%.2f",
        name,
        step.added,
        step.changed,
        step.removed,
        seconds,
    )
    return UpdateReport(name, step.added, step.changed, step.removed, seconds, loaded)

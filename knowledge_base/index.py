"""Build, save and load the knowledge-base index (the build itself lives in
:mod:`knowledge_base.index_build`, the file names and manifest in
:mod:`knowledge_base.index_files`; both are re-exported here).

Files written together in the index folder:

- ``dense.faiss``: ``faiss.IndexFlatIP`` over L2-normalised float32 embeddings of every
  match text (cosine similarity = inner product);
- ``units.jsonl``: one line per faiss row, in the same order (row, unit id, match text and
  the unit's metadata);
- ``lexical.json``: the lemmatised rows for BM25, same order;
- ``classifier.npz``: the character n-gram classifier of the units (``classifier.py``);
- ``manifest.json``: embedder, dimension, row and unit counts, content hash, build date,
  library versions, and the size and SHA-256 of each file above.

Loading checks the manifest against the files and the configured embedder; any mismatch
raises :class:`KnowledgeIndexError` naming the file and telling to run ``make index``.
Loading and the staleness check read the *current* version: the one an incremental update
made current (:mod:`knowledge_base.index_versions`), else the full build's files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.classifier import EntryClassifier
from knowledge_base.config import DEFAULT_EMBEDDER_DIR, KnowledgeBaseSettings
from knowledge_base.documents import Unit, content_hash
from knowledge_base.finetune import embedder_needs_build, read_training_fingerprint
from knowledge_base.index_build import build_index, library_versions
from knowledge_base.index_files import (
    CLASSIFIER_FILE,
    DATA_FILES,
    DENSE_FILE,
    FORMAT_VERSION,
    LEXICAL_FILE,
    MANIFEST_FILE,
    REBUILD_HINT,
    UNITS_FILE,
    KnowledgeIndexError,
    file_sha256,
    read_manifest,
)
from knowledge_base.index_versions import current_version_dir
from knowledge_base.lexical import Bm25Index

__all__ = [
    "CLASSIFIER_FILE",
    "DATA_FILES",
    "DENSE_FILE",
    "FORMAT_VERSION",
    "LEXICAL_FILE",
    "MANIFEST_FILE",
    "REBUILD_HINT",
    "UNITS_FILE",
    "KnowledgeIndexError",
    "LoadedIndex",
    "build_index",
    "embedder_is_stale",
    "is_stale",
    "library_versions",
    "load_index",
    "read_manifest",
]


@dataclass
class LoadedIndex:
    """What :func:`load_index` returns: units, the row → unit map, both indexes and the
    classifier."""

    units: list[Unit]
    row_units: np.ndarray
    row_texts: list[str]
    dense: Any
    lexical: Bm25Index
    classifier: EntryClassifier
    manifest: dict[str, Any]


def embedder_is_stale(settings: KnowledgeBaseSettings) -> bool:
    """True when the configured embedder is our fine-tuned one and is missing or was trained
    on other content (``python -m knowledge_base build-embedder`` rebuilds it)."""
    return embedder_needs_build(settings.embedder, settings.content_dir, DEFAULT_EMBEDDER_DIR)


def is_stale(settings: KnowledgeBaseSettings) -> bool:
    """True when the index is missing, or the content or the embedder (another model, or the
    same one re-trained or due for re-training) changed since it was built.

    A version written by an incremental update (its manifest names its ``base``) covers
    its content with the embedder of the last full build: re-fitting the embedder on the
    new entries waits for the next full build (``make index``).
    """
    try:
        manifest = read_manifest(current_version_dir(settings.index_dir))
    except KnowledgeIndexError:
        return True
    return (
        manifest.get("content_hash") != content_hash(settings.content_dir)
        or manifest.get("embedder") != settings.embedder
        or manifest.get("embedder_training") != read_training_fingerprint(Path(settings.embedder))
        or ("base" not in manifest and embedder_is_stale(settings))
    )


def _check_embedder(index_dir: Path, manifest: dict[str, Any], expected_model: str) -> None:
    """The index was built with the embedder the caller will encode queries with."""
    if manifest.get("embedder") != expected_model:
        raise KnowledgeIndexError(
            f"{index_dir / MANIFEST_FILE}: index construit avec le modèle "
            f"{manifest.get('embedder')!r}, or le modèle configuré est {expected_model!r} ; "
            f"{REBUILD_HINT}."
        )


def _check_files(index_dir: Path, manifest: dict[str, Any]) -> None:
    """Every data file is present, with the size and SHA-256 of the manifest."""
    for name in DATA_FILES:
        path = index_dir / name
        expected = (manifest.get("files") or {}).get(name) or {}
        if not path.exists():
            raise KnowledgeIndexError(f"{path}: fichier d'index absent ; {REBUILD_HINT}.")
        size = path.stat().st_size
        if size != expected.get("bytes"):
            raise KnowledgeIndexError(
                f"{path}: taille {size} octets au lieu de {expected.get('bytes')} "
                f"(fichier tronqué ou modifié) ; {REBUILD_HINT}."
            )
        if file_sha256(path) != expected.get("sha256"):
            raise KnowledgeIndexError(
                f"{path}: somme de contrôle incorrecte (fichier corrompu) ; {REBUILD_HINT}."
            )


def _read_dense(dense_path: Path, manifest: dict[str, Any]) -> Any:
    """The faiss index, of the dimension and row count of the manifest."""
    import faiss

    try:
        dense = faiss.read_index(str(dense_path))
    except RuntimeError as exc:
        raise KnowledgeIndexError(f"{dense_path}: index faiss illisible ; {REBUILD_HINT}.") from exc
    if dense.d != manifest.get("dimension") or dense.ntotal != manifest.get("count"):
        raise KnowledgeIndexError(
            f"{dense_path}: {dense.ntotal} vecteurs de dimension {dense.d}, le manifeste annonce "
            f"{manifest.get('count')} × {manifest.get('dimension')} ; {REBUILD_HINT}."
        )
    return dense


def _read_units(units_path: Path) -> tuple[list[Unit], list[int], list[str]]:
    """The units (first-seen order), each row's unit position and each row's text."""
    units: list[Unit] = []
    positions: dict[str, int] = {}
    row_units: list[int] = []
    row_texts: list[str] = []
    try:
        with units_path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                uid = record["unit_id"]
                if uid not in positions:
                    positions[uid] = len(units)
                    units.append(Unit.from_json(record["unit"]))
                row_units.append(positions[uid])
                row_texts.append(record["text"])
    except (ValueError, KeyError, TypeError) as exc:
        raise KnowledgeIndexError(
            f"{units_path}: métadonnées illisibles ({exc}) ; {REBUILD_HINT}."
        ) from exc
    return units, row_units, row_texts


def _read_lexical(lexical_path: Path) -> Bm25Index:
    """The BM25 rows."""
    try:
        return Bm25Index.load(lexical_path)
    except (ValueError, KeyError, TypeError) as exc:
        raise KnowledgeIndexError(
            f"{lexical_path}: données BM25 illisibles ; {REBUILD_HINT}."
        ) from exc


def _read_classifier(classifier_path: Path, n_units: int) -> EntryClassifier:
    """The entry classifier, over as many entries as there are units."""
    try:
        classifier = EntryClassifier.load(classifier_path)
    except (OSError, ValueError, KeyError) as exc:
        raise KnowledgeIndexError(
            f"{classifier_path}: classifieur illisible ({exc}) ; {REBUILD_HINT}."
        ) from exc
    if classifier.n_units != n_units:
        raise KnowledgeIndexError(
            f"{classifier_path}: {classifier.n_units} entrées classées pour {n_units} "
            f"unités ; {REBUILD_HINT}."
        )
    return classifier


def load_index(settings: KnowledgeBaseSettings, embedder_name: str | None = None) -> LoadedIndex:
    """Load and verify the index of ``settings.index_dir``.

    Args:
        settings: where the index lives.
        embedder_name: the embedder the caller will encode queries with; it must be the one
            the index was built with (default: ``settings.embedder``).

    Raises:
        KnowledgeIndexError: missing, corrupt, truncated or mismatched file (named).
    """
    index_dir = current_version_dir(settings.index_dir)
    manifest = read_manifest(index_dir)
    _check_embedder(index_dir, manifest, embedder_name or settings.embedder)
    _check_files(index_dir, manifest)
    dense = _read_dense(index_dir / DENSE_FILE, manifest)
    units_path = index_dir / UNITS_FILE
    units, row_units, row_texts = _read_units(units_path)
    lexical = _read_lexical(index_dir / LEXICAL_FILE)
    if len(row_units) != dense.ntotal or lexical.n_docs != dense.ntotal:
        raise KnowledgeIndexError(
            f"{units_path}: {len(row_units)} lignes et {lexical.n_docs} lignes BM25 pour "
            f"{dense.ntotal} vecteurs ; {REBUILD_HINT}."
        )
    classifier = _read_classifier(index_dir / CLASSIFIER_FILE, len(units))
    return LoadedIndex(
        units=units,
        row_units=np.asarray(row_units, dtype=np.int64),
        row_texts=row_texts,
        dense=dense,
        lexical=lexical,
        classifier=classifier,
        manifest=manifest,
    )

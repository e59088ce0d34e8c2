"""The on-disk format of the knowledge-base index: file names, format version, the manifest
and the error raised when any of them does not match (see :mod:`knowledge_base.index`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

FORMAT_VERSION = 3
DENSE_FILE = "dense.faiss"
UNITS_FILE = "units.jsonl"
LEXICAL_FILE = "lexical.json"
CLASSIFIER_FILE = "classifier.npz"
MANIFEST_FILE = "manifest.json"
DATA_FILES = (DENSE_FILE, UNITS_FILE, LEXICAL_FILE, CLASSIFIER_FILE)
REBUILD_HINT = "relancez `make index` (python -m knowledge_base build)"


class KnowledgeIndexError(RuntimeError):
    """The index is missing, corrupt, truncated or built for another embedder."""


def file_sha256(path: Path) -> str:
    """SHA-256 of the file at ``path``, read by blocks of 1 MiB."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the index in ``index_dir``, of this :data:`FORMAT_VERSION`."""
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

"""Versions of the index written by incremental updates, and the « current » pointer.

A full build (``python -m knowledge_base build``) writes the *base* index in
``settings.index_dir``. An incremental update (:mod:`knowledge_base.index_update`) writes a
complete index of the same format in ``<index_dir>/versions/<name>/``, whose manifest names
the base it was derived from (``base``: the SHA-256 of the base manifest), then switches the
pointer file ``<index_dir>/CURRENT`` to it with one atomic rename.

The current index is the version named by ``CURRENT`` when it derives from the base in
place, the base otherwise: a full build changes the base manifest, so every older version
is ignored from then on (the full build reads the same content files, published entries
included, so nothing is lost).

While the content files are being changed and the update runs, the content no longer matches
the index being served: a publisher first touches ``<index_dir>/UPDATE_PENDING`` so that
readers keep serving the previous version instead of calling the index stale (for at most
:data:`PENDING_MAX_AGE_S`, after which a crashed update no longer hides a stale index).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.index_files import MANIFEST_FILE, KnowledgeIndexError, read_manifest

CURRENT_FILE = "CURRENT"
VERSIONS_DIR = "versions"
PENDING_FILE = "UPDATE_PENDING"
# Versions kept on disk after a switch (the current one included): a reader that started
# loading the previous version a moment before the switch still finds its files.
KEEP_VERSIONS = 3
# An update announced by UPDATE_PENDING and not finished after this long is considered
# dead: the index is reported stale again.
PENDING_MAX_AGE_S = 180.0


def base_fingerprint(index_dir: Path) -> str:
    """SHA-256 of the base manifest (changes with every full build); '' without one."""
    try:
        return hashlib.sha256((index_dir / MANIFEST_FILE).read_bytes()).hexdigest()
    except OSError:
        return ""


def current_version_dir(index_dir: Path) -> Path:
    """The folder of the index to serve: the version named by ``CURRENT`` when it derives
    from the base in place, else ``index_dir`` itself."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return index_dir
    version_dir = index_dir / VERSIONS_DIR / name
    if not name or "/" in name or name.startswith("."):
        return index_dir
    try:
        manifest = read_manifest(version_dir)
    except KnowledgeIndexError:
        return index_dir
    if manifest.get("base") != base_fingerprint(index_dir):
        return index_dir
    return version_dir


def current_settings(settings: KnowledgeBaseSettings) -> KnowledgeBaseSettings:
    """``settings`` with ``index_dir`` replaced by the current version's folder."""
    return settings.model_copy(update={"index_dir": current_version_dir(settings.index_dir)})


def version_token(index_dir: Path) -> tuple[int, int, int, int]:
    """A cheap fingerprint of what is current (two ``stat`` calls): it changes when the
    pointer is switched or the base is rebuilt."""
    tokens: list[int] = []
    for path in (index_dir / CURRENT_FILE, index_dir / MANIFEST_FILE):
        try:
            stat = path.stat()
        except OSError:
            tokens += [0, 0]
            continue
        tokens += [stat.st_mtime_ns, stat.st_ino]
    return tokens[0], tokens[1], tokens[2], tokens[3]


def switch_to(index_dir: Path, name: str) -> None:
    """Make version ``name`` current: the pointer is replaced by one atomic rename."""
    temporary = index_dir / f".{CURRENT_FILE}.{os.getpid()}"
    temporary.write_text(name + "\n", encoding="utf-8")
    os.replace(temporary, index_dir / CURRENT_FILE)


def prune_versions(index_dir: Path, keep: int = KEEP_VERSIONS) -> list[str]:
    """Delete all but the ``keep`` newest versions (never the current one); their names."""
    root = index_dir / VERSIONS_DIR
    if not root.is_dir():
        return []
    current = current_version_dir(index_dir).name
    versions = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
        reverse=True,
    )
    removed = []
    for path in versions[keep:]:
        if path.name != current:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def mark_pending(index_dir: Path) -> float:
    """Announce that the content is about to change and an update will follow; returns the
    marker's modification time."""
    index_dir.mkdir(parents=True, exist_ok=True)
    marker = index_dir / PENDING_FILE
    marker.write_text(f"{time.time()}\n", encoding="utf-8")
    return marker.stat().st_mtime


def pending_since(index_dir: Path) -> float | None:
    """The marker's modification time, or None without a marker."""
    try:
        return (index_dir / PENDING_FILE).stat().st_mtime
    except OSError:
        return None


def update_pending(index_dir: Path, now: float | None = None) -> bool:
    """Whether an update was announced less than :data:`PENDING_MAX_AGE_S` ago."""
    since = pending_since(index_dir)
    current = time.time() if now is None else now
    return since is not None and current - since < PENDING_MAX_AGE_S


def clear_pending(index_dir: Path, seen: float | None) -> None:
    """Remove the marker unless it was touched again after ``seen`` (another publication
    arrived during the update: its own update will clear it)."""
    since = pending_since(index_dir)
    if since is not None and seen is not None and since <= seen:
        (index_dir / PENDING_FILE).unlink(missing_ok=True)

"""Helpers shared by the commands: the default embedder, the real index, a throw-away one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.embedder import Embedder, load_embedder
from knowledge_base.finetune import build_fine_tuned_embedder
from knowledge_base.index import KnowledgeIndexError, build_index, embedder_is_stale

if TYPE_CHECKING:
    from knowledge_base.documents import Unit
    from knowledge_base.search import KnowledgeBase


def ensure_default_embedder(settings: KnowledgeBaseSettings) -> None:
    """(Re)build our fine-tuned embedder when it is missing or its training data changed."""
    if embedder_is_stale(settings):
        path = Path(settings.embedder)
        print(f"Construction et affinage de l'embedder dans {path}…")
        report = build_fine_tuned_embedder(path, settings.content_dir)
        load_embedder.cache_clear()
        print(f"Embedder affiné sur {report['pairs']:.0f} paires en {report['seconds']} s.")


def load_kb(settings: KnowledgeBaseSettings) -> KnowledgeBase | None:
    """The knowledge base of the real index, or ``None`` (error printed) when it cannot be
    loaded."""
    from knowledge_base.search import KnowledgeBase

    try:
        return KnowledgeBase.load(settings)
    except (KnowledgeIndexError, FileNotFoundError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return None


def temporary_kb(
    settings: KnowledgeBaseSettings,
    embedder: Embedder,
    units: list[Unit] | None,
    tmp: Path,
) -> KnowledgeBase:
    """A knowledge base over an index of ``units`` (``None``: the content's) built with
    ``embedder`` in the folder ``tmp``."""
    from knowledge_base.search import KnowledgeBase

    temp_settings = settings.model_copy(update={"index_dir": tmp, "embedder": embedder.name})
    build_index(temp_settings, embedder, units=units)
    return KnowledgeBase.load(temp_settings, embedder=embedder)

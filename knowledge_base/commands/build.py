"""``build-embedder``, ``build`` and ``stale``: the embedder and the index on disk."""

from __future__ import annotations

import argparse
import fcntl
import sys
import time
from pathlib import Path
from typing import Any

from knowledge_base.commands.common import ensure_default_embedder
from knowledge_base.config import KnowledgeBaseSettings, get_settings
from knowledge_base.embedder import Embedder, build_static_model, load_embedder
from knowledge_base.finetune import TRAINING_MANIFEST, build_fine_tuned_embedder
from knowledge_base.index import build_index, is_stale


def _build_with_progress(settings: KnowledgeBaseSettings, embedder: Embedder) -> dict[str, Any]:
    """:func:`~knowledge_base.index.build_index` with a progress bar on stderr."""
    from tqdm import tqdm

    bar = tqdm(desc="Indexation", unit="texte", file=sys.stderr)

    def progress(stage: str, n: int) -> None:
        if stage == "rows":
            bar.total = 2 * n
            bar.refresh()
        else:
            bar.set_postfix_str(stage)
            bar.update(n)

    try:
        return build_index(settings, embedder, progress=progress)
    finally:
        bar.close()


def cmd_build_embedder(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    output = Path(args.output)
    if args.no_fine_tune:
        build_static_model(output)
        (output / TRAINING_MANIFEST).unlink(missing_ok=True)
    else:
        report = build_fine_tuned_embedder(output, get_settings().content_dir)
        print(
            f"Affinage : {report['pairs']:.0f} paires, {report['steps']:.0f} pas, perte "
            f"{report['first_loss']:.2f} → {report['last_loss']:.2f}."
        )
    print(f"Embedder construit dans {output} en {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.if_stale and not is_stale(settings):
        print(f"Index à jour dans {settings.index_dir} : rien à reconstruire.")
        return 0
    # Two builds at once (a developer and a test run) would write the same files: the second
    # waits for the first, then finds the index up to date.
    lock_path = settings.index_dir.parent / f".{settings.index_dir.name}.build.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if args.if_stale and not is_stale(settings):
            print(f"Index construit entre-temps dans {settings.index_dir} : rien à refaire.")
            return 0
        ensure_default_embedder(settings)
        manifest = _build_with_progress(settings, load_embedder(settings.embedder))
    print(
        f"Index construit dans {settings.index_dir} : {manifest['units']} unités, "
        f"{manifest['count']} textes, dimension {manifest['dimension']}, "
        f"{manifest['build_seconds']} s."
    )
    return 0


def cmd_stale(args: argparse.Namespace) -> int:
    """Code 1 when the index must be rebuilt, 0 when it is up to date."""
    return int(is_stale(get_settings()))

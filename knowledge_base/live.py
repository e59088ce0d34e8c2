"""A knowledge base that follows the index versions without a restart (the action server's).

:class:`LiveKnowledgeBase` serves one loaded :class:`~knowledge_base.search.KnowledgeBase`
and a daemon thread watches the index folder every :data:`WATCH_INTERVAL_S` seconds (two
``stat`` calls, :func:`~knowledge_base.index_versions.version_token`):

- when a publisher announced a content change (``UPDATE_PENDING`` newer than the last one
  handled), the thread runs the incremental update (:mod:`knowledge_base.index_update`)
  with the embedder already loaded; with several action servers, the update lock lets one
  of them do the work and the others find the index up to date;
- when the current version changed (pointer switched, or a full build), it loads the new
  version completely, then replaces the one reference that requests read.

A request reads the reference once and uses that index to the end: it never sees a
half-loaded index, and the previous one stays alive as long as a request holds it. A version
that fails to load is logged and skipped: the previous one keeps answering.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import threading
import time
from pathlib import Path

from knowledge_base.config import KnowledgeBaseSettings, get_settings
from knowledge_base.content import ContentError
from knowledge_base.embedder import Embedder, load_embedder
from knowledge_base.index import load_index
from knowledge_base.index_files import KnowledgeIndexError
from knowledge_base.index_update import update_index
from knowledge_base.index_versions import current_settings, pending_since, update_pending
from knowledge_base.index_versions import version_token as read_token
from knowledge_base.search import KnowledgeBase

logger = logging.getLogger("knowledge_base.live")

# How often the watcher looks at the index folder (seconds): a published entry is loaded at
# most this long after its version is written.
WATCH_INTERVAL_S = 1.0
# How often the watcher hands the heap's free pages back (seconds): the searches of the
# request threads leave about 40 MB free but resident in glibc's per-thread arenas (376
# retrieval questions on 6 threads: 601 MiB, 562 MiB after a trim; issue 17).
TRIM_INTERVAL_S = 60.0


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``; nothing
    elsewhere), after a load and every :data:`TRIM_INTERVAL_S`."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.malloc_trim(0)


def freeze_heap() -> None:
    """Put every object alive now out of the cyclic garbage collector's reach (``gc.freeze``),
    after one full collection that frees what an earlier version left behind.

    The loaded models (spaCy, the embedder, the classifier, the index's units) are about
    323,000 long-lived objects: each full collection walked all of them (0.12–0.17 s, on
    whichever thread allocated, a search's included), against 0.03 s once they are frozen
    (issue 17, BENCHMARKS.md, session 13). Frozen objects are still freed by reference
    counting; only a reference cycle among them would wait for the next swap, whose
    :func:`gc.unfreeze` gives them back to the collector.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class LiveKnowledgeBase:
    """The current knowledge base, swapped in the background (see the module docstring)."""

    def __init__(
        self,
        settings: KnowledgeBaseSettings | None = None,  # pragma: no mutate (annotation)
        embedder: Embedder | None = None,  # pragma: no mutate (annotation)
        interval_s: float = WATCH_INTERVAL_S,
        update: bool = True,
        freeze: bool = False,
    ) -> None:
        self.settings = settings or get_settings()
        self._embedder = embedder
        self._interval_s = interval_s
        self._update = update
        # The serving process's own heap policy (:func:`freeze_heap` after each load): the
        # action server sets it; a test or a command-line tool leaves its heap alone.
        self._freeze = freeze
        self._lock = threading.Lock()
        self._kb: KnowledgeBase | None = None
        self._token: tuple[int, int, int, int] | None = None
        # The announcement last handled: None, so that one left while no action server ran
        # (publication during a restart) is handled on the first pass.
        self._handled_pending: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.swaps = 0

    @property
    def index_dir(self) -> Path:
        return self.settings.index_dir

    def get(self) -> KnowledgeBase:
        """The knowledge base to use for one request (loaded on first use).

        Raises:
            KnowledgeIndexError / FileNotFoundError: no index or no embedder at first load.
        """
        kb = self._kb
        if kb is not None:
            return kb
        with self._lock:
            if self._kb is None:
                self._token, self._kb = self._load()
                self._settle_heap()
                self._start_watcher()
            return self._kb

    def is_stale(self, kb: KnowledgeBase) -> bool:
        """Whether ``kb`` no longer matches the content and nothing newer is on its way:
        while an update is announced, or a newer version waits to be loaded, the previous
        version keeps answering."""
        newer_waiting = self._token is not None and read_token(self.index_dir) != self._token
        return kb.is_stale() and not update_pending(self.index_dir) and not newer_waiting

    def _load(self) -> tuple[tuple[int, int, int, int], KnowledgeBase]:
        """The token read *before* loading (a switch during the load is seen next time)."""
        token = read_token(self.index_dir)
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.embedder)
        resolved = current_settings(self.settings)
        return token, KnowledgeBase(
            load_index(resolved, self._embedder.name), self._embedder, resolved
        )

    def _settle_heap(self) -> None:
        """After a load: the heap's free pages handed back, the new version frozen when the
        process asked for it."""
        if self._freeze:
            freeze_heap()
        release_free_memory()

    def _start_watcher(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="kb-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the watcher (tests; the action server's is a daemon thread)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        last_trim = time.monotonic()
        while not self._stop.wait(self._interval_s):
            try:
                self.check_now()
            except Exception:  # the watcher must outlive any failure
                logger.exception("kb.watch_failed index_dir=%s", self.index_dir)
            if time.monotonic() - last_trim >= TRIM_INTERVAL_S:
                release_free_memory()
                last_trim = time.monotonic()

    def check_now(self) -> bool:
        """One watcher pass: update when announced, then swap when the version changed;
        whether a new version was swapped in."""
        since = pending_since(self.index_dir)
        if self._update and since is not None and since != self._handled_pending:
            self._handled_pending = since
            self._run_update()
        if read_token(self.index_dir) == self._token:
            return False
        try:
            token, kb = self._load()
        except (KnowledgeIndexError, OSError, ValueError) as exc:
            logger.error("kb.swap_failed index_dir=%s error=%s", self.index_dir, exc)
            self._token = read_token(self.index_dir)  # retried when it changes again
            return False
        self._kb, self._token = kb, token
        self.swaps += 1
        self._settle_heap()
        logger.info("kb.swapped version=%s units=%d", kb.settings.index_dir.name, len(kb.units))
        return True

    def _run_update(self) -> None:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.embedder)
        serving = self._kb
        try:
            report = update_index(
                self.settings, self._embedder, serving.index if serving is not None else None
            )
        except (KnowledgeIndexError, ContentError, ValueError) as exc:
            logger.error("kb.update_failed index_dir=%s error=%s", self.index_dir, exc)
            return
        token = read_token(self.index_dir)
        resolved = current_settings(self.settings)
        if report.index is not None and resolved.index_dir.name == report.version:
            # The version this process wrote is still current: swap to it without reading
            # its files back (other processes load them).
            self._token = token
            self._kb = KnowledgeBase(report.index, self._embedder, resolved)
            self.swaps += 1
            self._settle_heap()
            logger.info("kb.swapped version=%s units=%d", report.version, len(report.index.units))
        logger.info(
            "kb.update version=%s added=%s changed=%s removed=%s seconds=%.2f",
            report.version or "(à jour)",
            report.added,
            report.changed,
            report.removed,
            report.seconds,
        )

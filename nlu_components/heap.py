"""Rasa's loaded model out of the cyclic garbage collector's reach once it is loaded.

Run by the Rasa launcher (:func:`nlu_components.rasa_server.install`), in Rasa's own
environment. After ``rasa run`` loads its agent (TensorFlow, the NLU pipeline, the policies,
the domain: about 770,000 Python objects), every full collection of the garbage collector
walked all of them, in the middle of a reply. Freezing them (``gc.freeze``, Python's own
remedy for a large long-lived heap) leaves the collector the objects of the messages only;
frozen objects are still freed by reference counting. Measured with ``make bench``:
BENCHMARKS.md, « Speed, memory and scale-out », session 13.
"""

from __future__ import annotations

import ctypes
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``; nothing
    elsewhere), as ``knowledge_base.live.release_free_memory`` does in the action server:
    Rasa's environment cannot import that module (faiss, spaCy 3.8). Loading the agent
    (unpacking the model, building TensorFlow's graphs) leaves about 128 MiB freed but
    resident: Rasa held 1,224 MiB after its start, 1,096 MiB with the trim (BENCHMARKS.md,
    session 16)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.malloc_trim(0)


def freezing_after(load: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``load`` (Rasa's ``load_agent_on_start``), then one full collection, ``gc.freeze()``
    and :func:`release_free_memory`; ``load`` itself when it already does so."""
    if getattr(load, "freezes_heap", False):
        return load

    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        release_free_memory()
        logger.info("nlu_components.heap.frozen objects=%d", gc.get_freeze_count())
        return agent

    load_then_freeze.freezes_heap = True  # type: ignore[attr-defined]
    return load_then_freeze


def install() -> None:
    """Make ``rasa run`` freeze its heap once its agent is loaded (idempotent)."""
    import rasa.core.run

    rasa.core.run.load_agent_on_start = freezing_after(rasa.core.run.load_agent_on_start)

"""The action server's heap policy (:func:`knowledge_base.live.freeze_heap`, issue 17): each
loaded version out of the garbage collector's reach, the previous one given back to it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.index_update import update_index
from knowledge_base.live import LiveKnowledgeBase, freeze_heap
from tests.knowledge_base.conftest import HashingEmbedder
from tests.knowledge_base.test_index_update import add_entry


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture()
def thawed() -> Iterator[None]:
    """The test process's heap unfrozen before and after."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def _tracked(obj: object) -> bool:
    """Whether the collector walks ``obj`` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_freeze_heap_gives_the_previous_cycles_back_to_the_collector(thawed: None) -> None:
    node = Node()
    left = weakref.ref(node)
    freeze_heap()
    assert not _tracked(node)
    del node
    gc.collect()
    assert left() is not None  # a frozen cycle outlives a collection
    freeze_heap()
    assert left() is None


def test_live_freeze_only_when_the_process_asks(
    thawed: None, fresh: KnowledgeBaseSettings, embedder: HashingEmbedder
) -> None:
    plain = LiveKnowledgeBase(fresh, embedder, interval_s=3600, update=False)
    assert _tracked(plain.get()) and gc.get_freeze_count() == 0
    plain.stop()
    serving = LiveKnowledgeBase(fresh, embedder, interval_s=3600, update=False, freeze=True)
    first = serving.get()
    assert not _tracked(first) and gc.get_freeze_count() > 0
    add_entry(fresh)
    update_index(fresh, embedder)  # another action server wrote the next version
    assert serving.check_now()
    second = serving.get()
    assert second is not first and not _tracked(second)
    serving.stop()

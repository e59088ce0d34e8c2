"""« Lacunes » keeps its grouping between views (support_tickets/gaps_cache.py): a repeat
view embeds nothing; new questions or another index recompute; marks never stick to the
kept groups. With the real embedder and index, like tests/support_tickets/test_gaps.py."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from knowledge_base.embedder import Embedder
from support_tickets import gaps
from support_tickets.gaps import find_gaps, mark_treated
from support_tickets.gaps_cache import GROUPINGS, Grouping, GroupingCache
from support_tickets.gaps_index import KnowledgeIndex
from support_tickets.models import Agent, GapResolution
from tests.support_tickets import gaps_data as data


class CountingEmbedder:
    """The real embedder, counting the texts it encodes."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.encoded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += len(texts)
        return self.inner.encode(texts)


@pytest.fixture(autouse=True)
def _fresh(no_gap_marks: None) -> Iterator[None]:
    GROUPINGS.clear()
    yield
    GROUPINGS.clear()


@pytest.fixture
def index() -> tuple[KnowledgeIndex, CountingEmbedder]:
    real = KnowledgeIndex()
    counting = CountingEmbedder(real.embedder())
    real.embedder = lambda: counting  # type: ignore[method-assign]
    return real, counting


def test_gaps_cache_repeat_view_embeds_nothing(
    db: Session, index: tuple[KnowledgeIndex, CountingEmbedder]
) -> None:
    seeded = data.seed(db)
    kb_index, embedder = index
    first = find_gaps(db, seeded.filters, kb_index)
    assert embedder.encoded == first.question_count > 0
    again = find_gaps(db, seeded.filters, kb_index)
    assert embedder.encoded == first.question_count  # nothing embedded again
    assert [g.key for g in again.open] == [g.key for g in first.open]
    assert [n.entry.id for n in again.open[0].nearest] == [
        n.entry.id for n in first.open[0].nearest
    ]


def test_gaps_cache_new_question_or_other_index_recomputes(
    db: Session, index: tuple[KnowledgeIndex, CountingEmbedder], monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = data.seed(db)
    kb_index, embedder = index
    count = find_gaps(db, seeded.filters, kb_index).question_count
    data.add_turn(db, seeded.page, "Une question jamais posée", kb=data.ABSTAIN)
    db.commit()
    assert find_gaps(db, seeded.filters, kb_index).question_count == count + 1
    assert embedder.encoded == 2 * count + 1
    monkeypatch.setattr(gaps, "_index_token", lambda _index: "une autre version de l'index")
    find_gaps(db, seeded.filters, kb_index)
    assert embedder.encoded == 3 * count + 2


def test_gaps_cache_marks_do_not_stick_to_kept_groups(
    db: Session, index: tuple[KnowledgeIndex, CountingEmbedder], supervisor: Agent
) -> None:
    seeded = data.seed(db)
    kb_index, _ = index
    key = str(find_gaps(db, seeded.filters, kb_index).open[0].key)
    mark_treated(db, seeded.filters, key, data.TOPIC_ENTRY, supervisor, kb_index)
    assert [g.count for g in find_gaps(db, seeded.filters, kb_index).treated] == [50]
    db.execute(delete(GapResolution))  # the mark withdrawn: the group is open again
    db.commit()
    report = find_gaps(db, seeded.filters, kb_index)
    assert report.treated == [] and report.open[0].count == 50
    assert report.open[0].resolution is None


def test_gaps_cache_keeps_the_most_recently_used() -> None:
    cache = GroupingCache(size=2)
    made: list[str] = []

    def grouping(name: str) -> Grouping:
        made.append(name)
        return Grouping((), 0, name)

    for name in ("a", "b", "a", "c", "a", "b"):
        cache.get_or_compute(name, lambda name=name: grouping(name))  # type: ignore[misc]
    assert made == ["a", "b", "c", "b"]  # "b" went when "c" came, "a" stayed (used)
    assert (cache.hits, cache.misses) == (2, 4)

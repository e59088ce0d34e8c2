"""Gap groupings kept between views of « Lacunes ».

At 100,000 stored questions a grouping takes about 30 s to compute (embedding and clustering,
BENCHMARKS.md « Content gaps »): a supervisor going back to the page, or coming back to it
after marking a group « traitée », would wait that long each time. A grouping is kept, per
process, under a key of everything it is computed from:

- the period and page asked;
- the questions selected (their turn ids, reasons and texts, as a digest: a new question, a
  new thumbs-down or a new escalation makes a new key);
- the index and embedder the groups were embedded and matched with (the index manifest);
- the « traitée » marks (their count, last id and last date).

The selection runs on every view (about 1 s at 100,000 questions); only the computation
after it is skipped when the key is the same. At most :data:`CACHE_SIZE` groupings are kept,
the least recently used going first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from support_tickets.gaps import GapGroup, Question

# Groupings kept per process: a few periods browsed by a few supervisors. One grouping of
# 100,000 questions holds their texts and the groups' mean vectors (tens of MB; bench_gaps
# peak 916 MiB for the whole computation), so the cache stays small.
CACHE_SIZE = 4


@dataclass(frozen=True)
class Grouping:
    """What a view computes after selecting its questions: the groups (without their
    « traitée » marks), the isolated count and the notice of an unreadable index."""

    groups: tuple[GapGroup, ...]
    isolated: int
    notice: str | None


def questions_digest(questions: list[Question]) -> str:
    """A digest of the selected questions: ids, reasons and texts."""
    digest = hashlib.blake2b(digest_size=16)
    for question in questions:
        reasons = ",".join(sorted(question.reasons))
        digest.update(f"{question.turn_id}\x1f{reasons}\x1f{question.text}\x1e".encode())
    return digest.hexdigest()


class GroupingCache:
    """A small thread-safe LRU of groupings by key."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._groupings: OrderedDict[Hashable, Grouping] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], Grouping]) -> Grouping:
        """The grouping kept under ``key``, or ``compute()``'s, then kept."""
        with self._lock:
            grouping = self._groupings.get(key)
            if grouping is not None:
                self._groupings.move_to_end(key)
                self.hits += 1
                return grouping
            self.misses += 1
        grouping = compute()  # outside the lock: another period may be computed meanwhile
        with self._lock:
            self._groupings[key] = grouping
            self._groupings.move_to_end(key)
            while len(self._groupings) > self.size:
                self._groupings.popitem(last=False)
        return grouping

    def clear(self) -> None:
        with self._lock:
            self._groupings.clear()


GROUPINGS = GroupingCache()

"""Knowledge-base suggestions on a ticket page: the entries the assistant considered for the
requester's questions, shown with their title and answer, and the text that « Insérer » puts
into the reply (the answer and the link to its documentation section).

The entries are read from the knowledge base's content (:func:`build_units`, no index nor
embedder needed), once per process and again after ``UNITS_TTL_S`` seconds, so a re-indexed
guide shows here without a restart.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from knowledge_base.config import get_settings as get_kb_settings
from knowledge_base.documents import Unit, build_units
from support_tickets.models import Ticket

MAX_SUGGESTIONS = 4
UNITS_TTL_S = 300.0
DOC_LINK_INTRO = "Pour en savoir plus :"

_lock = threading.Lock()
_cache: tuple[float, dict[str, Unit]] | None = None


def kb_units() -> dict[str, Unit]:
    """Id → entry of the knowledge base (cached ``UNITS_TTL_S`` seconds); empty if the
    content cannot be read."""
    global _cache
    with _lock:
        if _cache is None or time.monotonic() - _cache[0] >= UNITS_TTL_S:
            try:
                units = build_units(get_kb_settings().content_dir)
            except (OSError, ValueError, KeyError):
                units = []
            _cache = (time.monotonic(), {u.id: u for u in units})
        return _cache[1]


def reset_kb_units() -> None:
    """Forget the cached entries (tests, or after a re-index)."""
    global _cache
    with _lock:
        _cache = None


def kb_title(entry_id: str) -> str | None:
    unit = kb_units().get(entry_id)
    return unit.title if unit is not None else None


@dataclass(frozen=True)
class Suggestion:
    """A knowledge-base entry proposed for the reply."""

    id: str
    title: str
    answer: str
    url: str  # the documentation section, absolute (``''`` when the entry has none)
    source: str  # « guide — section »

    @property
    def insert_text(self) -> str:
        """What « Insérer » puts into the reply."""
        if not self.url:
            return self.answer
        return f"{self.answer}\n\n{DOC_LINK_INTRO} {self.url}"


def _absolute(url: str, base_url: str) -> str:
    if not url or not url.startswith("/") or url.startswith("//"):
        return ""
    return base_url.rstrip("/") + url


def _candidate_ids(candidates: list[dict[str, Any]] | None) -> list[str]:
    """Entry ids of the ticket's candidates, best first (by fused score when given), once."""
    rows = [c for c in candidates or [] if isinstance(c, dict) and isinstance(c.get("id"), str)]
    rows.sort(key=lambda c: -float(c.get("fused") or c.get("score") or 0.0))
    seen: list[str] = []
    for row in rows:
        if row["id"] not in seen:
            seen.append(row["id"])
    return seen


def suggestions_for(ticket: Ticket, base_url: str) -> list[Suggestion]:
    """Up to ``MAX_SUGGESTIONS`` entries the assistant considered for this ticket."""
    units = kb_units()
    found: list[Suggestion] = []
    for entry_id in _candidate_ids(ticket.kb_candidates):
        unit = units.get(entry_id)
        if unit is None or not unit.answer:
            continue
        source = " — ".join(p for p in (unit.guide_title, unit.section_title) if p)
        found.append(
            Suggestion(unit.id, unit.title, unit.answer, _absolute(unit.url, base_url), source)
        )
        if len(found) == MAX_SUGGESTIONS:
            break
    return found


def suggestion_by_id(ticket: Ticket, entry_id: str, base_url: str) -> Suggestion | None:
    """The suggestion ``entry_id`` of this ticket (None when it is not one of them)."""
    return next((s for s in suggestions_for(ticket, base_url) if s.id == entry_id), None)

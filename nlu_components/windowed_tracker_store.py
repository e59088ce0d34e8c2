"""Rasa's SQL tracker store that gives Rasa the recent part of a long conversation (issue 17).

:meth:`WindowedSQLTrackerStore.retrieve` reads the session's stored events as Rasa's
``SQLTrackerStore`` does, but rebuilds the tracker from the events that
:func:`nlu_components.tracker_window.window` keeps (the session's opening, the last value
of each slot, the last turns): what Rasa featurises, copies and sends to the action server
no longer grows with the conversation. Every event is still stored: the tracker remembers
how many events it was rebuilt from, and :meth:`_additional_events` writes those after them.
``retrieve_full_tracker`` (Rasa's full-history reads) is unchanged.

Configured as ``type: nlu_components.windowed_tracker_store.WindowedSQLTrackerStore`` in
the ``tracker_store`` section of the endpoints, the other keys as for ``type: SQL``.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from nlu_components.tracker_window import StoredEvent, window

logger = logging.getLogger("nlu_components.windowed_tracker_store")

REBUILT_FROM = "_windowed_rebuilt_from"
"""Attribute of a windowed tracker: how many of its events are already stored."""


class WindowedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose ``retrieve`` gives the recent part of a long session."""

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            kept = window([StoredEvent(row.type_name, row.action_name) for row in rows])
            chosen = rows if kept is None else [rows[i] for i in kept]
            events = [json.loads(row.data) for row in chosen]
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if kept is not None:
            setattr(tracker, REBUILT_FROM, len(tracker.events))
            logger.debug(
                "tracker.windowed sender=%s stored=%d given=%d", sender_id, len(rows), len(kept)
            )
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if hasattr(tracker, REBUILT_FROM):
            setattr(tracker, REBUILT_FROM, len(tracker.events))

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Any]:
        """The events of ``tracker`` not stored yet: after those a windowed tracker was
        rebuilt from (or saved with), else as Rasa counts them."""
        rebuilt_from = getattr(tracker, REBUILT_FROM, None)
        if rebuilt_from is None:
            yield from super()._additional_events(session, tracker)
            return
        yield from itertools.islice(tracker.events, rebuilt_from, len(tracker.events))

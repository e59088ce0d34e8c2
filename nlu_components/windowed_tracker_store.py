"""Rasa's SQL tracker store that gives Rasa the recent part of a long conversation (issue 17).

:meth:`WindowedSQLTrackerStore.retrieve` reads the session's stored events as Rasa's
``SQLTrackerStore`` does, but rebuilds the tracker from the events that
:func:`nlu_components.tracker_window.window` keeps (the session's opening, the last value
of each slot, the last turns): what Rasa featurises, copies and sends to the action server
no longer grows with the conversation. Every event is still stored: the tracker remembers
how many events it was rebuilt from, and :meth:`_additional_events` writes those after them.
``retrieve_full_tracker`` (Rasa's full-history reads) is unchanged.

Every tracker this store reads or has saved remembers so (windowed or not), so a save does
not ask the database how many of its events are stored: Rasa's ``SQLTrackerStore`` runs a
``COUNT`` over the session's events at every save, two a message. Only the first save of a
new conversation counts (Rasa creates that tracker, through the wrappers it puts around its
store, without reading it from here). This relies on what the windowed trackers already
relied on: one turn of a conversation at a time (Rasa's lock store) and no
``max_event_history``. A save writes its new events in one
multi-row insert (the rows Rasa's own ``save`` writes, one ORM object per event) and a read
fetches three columns as plain rows: the ORM's bookkeeping was a quarter of Rasa's CPU on a
knowledge turn (py-spy; ``make bench`` reports the CPU per message). A windowed read chooses
its events on the small columns (id, type, action name) and reads the JSON of those events
only: reading every event's JSON made each turn of a long conversation costlier than the
one before, even with the window.

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
from sqlalchemy.orm import sessionmaker

from nlu_components.sqlite_engine import sqlite_engine
from nlu_components.tracker_queries import (
    data_by_id,
    session_count,
    session_data,
    session_index,
)
from nlu_components.tracker_window import StoredEvent, window

logger = logging.getLogger("nlu_components.windowed_tracker_store")

REBUILT_FROM = "_windowed_rebuilt_from"
"""Attribute of a tracker this store read or saved: how many of its events are stored."""


def event_row(sender_id: str, type_name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The ``events`` row of one event, the columns ``SQLTrackerStore.save`` fills."""
    return {
        "sender_id": sender_id,
        "type_name": type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class WindowedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose ``retrieve`` gives the recent part of a long session."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        store: Any = self  # Rasa's class sets ``engine`` without a type
        url = store.engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            # Rasa's engine for a SQLite file: unpooled, rollback journal
            store.engine.dispose()
            store.engine = sqlite_engine(url)
            store.sessionmaker = sessionmaker(bind=store.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        table = self.SQLEvent.__tablename__
        with self.session_scope() as session:
            # the window is chosen on the small columns; only its events' JSON is read
            rows = session.execute(session_index(table), {"sender_id": sender_id}).all()
            if not rows:
                return None
            kept = window([StoredEvent(row.type_name, row.action_name) for row in rows])
            if kept is None:  # the whole session, however long (no list of ids to bind)
                texts = list(
                    session.execute(session_data(table), {"sender_id": sender_id}).scalars()
                )
            else:
                ids = [rows[i].id for i in kept]
                found = dict(session.execute(data_by_id(table), {"ids": ids}).all())
                texts = [found[i] for i in ids if i in found]  # a purge may run between
            events = [json.loads(text) for text in texts]
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, REBUILT_FROM, len(tracker.events))
        if kept is not None:
            logger.debug(
                "tracker.windowed sender=%s stored=%d given=%d", sender_id, len(rows), len(kept)
            )
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not stored yet, as ``SQLTrackerStore.save`` does (same columns,
        same values), in one multi-row insert instead of one ORM object per event."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [
                event_row(tracker.sender_id, event.type_name, event.as_dict())
                for event in self._additional_events(session, tracker)
            ]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        setattr(tracker, REBUILT_FROM, len(tracker.events))  # all of them are stored now

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Any]:
        """The events of ``tracker`` not stored yet: after those it was rebuilt from (or
        saved with), else (a tracker this store never read nor saved) as Rasa counts them."""
        stored = getattr(tracker, REBUILT_FROM, None)
        if stored is None:  # Rasa's count, without its ORM query
            count = session_count(self.SQLEvent.__tablename__)
            stored = session.execute(count, {"sender_id": tracker.sender_id}).scalar_one()
        yield from itertools.islice(tracker.events, stored, len(tracker.events))

"""Rasa's SQL tracker store of the assistant: the recent part of a long conversation given to
Rasa (:mod:`nlu_components.windowed_tracker_store`), the user's messages stored redacted.

Rasa stores every event of a conversation (``events`` table, SQLite by default or the
PostgreSQL database of the replicas). The web app redacts personal data before it stores a
turn (:mod:`portal.conversations.redaction`); this store does the same to what Rasa keeps:
each new event goes through :func:`portal.conversations.redaction.redact_tracker_event`
before it is written. The message being processed is redacted only once it is stored, after
its turn: the NLU and the actions of that turn see it as typed (a support form reads the
contact e-mail from it); later turns read the redacted copy. Slot values are redacted too,
except the contact e-mails of :data:`CONTACT_SLOTS`.

Configured in ``endpoints.yml`` (``type: nlu_components.redacting_tracker_store.
RedactingSQLTrackerStore``, the other keys as for ``type: SQL``), and by the runner for
the replicas' PostgreSQL store (:func:`assistant.scale_out.tracker_store_endpoint`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from rasa.shared.core.trackers import DialogueStateTracker

from nlu_components.windowed_tracker_store import WindowedSQLTrackerStore
from portal.conversations.redaction import redact_tracker_event

logger = logging.getLogger("nlu_components.redacting_tracker_store")

# Slots whose value is a contact e-mail the user typed for a form that needs it in a later
# turn (domain/support.yml: the support form's e-mail, the ticket lookup's e-mail and the
# last one used, proposed again): kept as typed until the retention purge. Every other
# slot's string value is stored redacted. tests/rasa/test_windowed_tracker_store.py checks
# these names against the domain and the actions.
CONTACT_SLOTS = frozenset({"support_email", "ticket_email", "support_last_email"})


class RedactedEvent:
    """What ``SQLTrackerStore.save`` reads of an event: its type name and its dict."""

    def __init__(self, event: Any) -> None:
        self.type_name: str = event.type_name
        self._data = redact_tracker_event(event.as_dict(), CONTACT_SLOTS)

    def as_dict(self) -> dict[str, Any]:
        return self._data


class RedactingSQLTrackerStore(WindowedSQLTrackerStore):
    """``WindowedSQLTrackerStore`` whose new events are stored redacted."""

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Any]:
        for event in super()._additional_events(session, tracker):
            yield RedactedEvent(event)

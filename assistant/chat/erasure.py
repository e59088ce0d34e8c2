"""Erasing a conversation at its user's request (``DELETE /api/chat/{session_id}``).

Everything the conversation left behind goes, in this order:

1. Rasa's tracker events of that conversation (``sender_id`` is the session id, see
   :mod:`assistant.chat.gateway`), in Rasa's own SQL store (:mod:`assistant.tracker_retention`
   finds it). First, because it is another database: if it fails nothing else is done and
   the user can try again; done twice, it deletes nothing the second time.
2. In one transaction of the web app's database: the quality reviews drawn from its turns
   (they copy the question), the stored turns (the conversation key is voided), the
   transcript copy of every ticket of the conversation, replaced by a marker
   (:mod:`support_tickets.erasure`), and the record of the erasure (date, SHA-256 of the
   session id, counts; no content: :class:`portal.conversations.erasure.ChatErasure`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, delete, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from assistant.tracker_retention import EVENTS, tracker_store_url
from portal.conversations.erasure import erase_turns, record_erasure, session_hash
from support_tickets.erasure import erase_transcripts
from support_tickets.reviews import erase_session_reviews

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasureResult:
    """What one erasure removed (tracker events: None when there is no SQL store)."""

    erased_at: dt.datetime
    turns: int
    tracker_events: int | None
    tickets: list[str]


def erase_tracker_conversation(url: URL | str | None, sender_id: str) -> int | None:
    """Delete every tracker event of ``sender_id``; returns how many, or None when there is
    no SQL tracker store (or it does not exist yet): then there is nothing to delete."""
    if url is None:
        return None
    url = make_url(url)
    database = url.database
    if url.get_backend_name() == "sqlite" and not (database and Path(database).exists()):
        return None
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table(EVENTS.name):
            return None
        with engine.begin() as conn:
            result = conn.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id))
        return int(result.rowcount or 0)
    finally:
        engine.dispose()


def erase_conversation(
    session: Session, session_id: str, now: dt.datetime | None = None
) -> ErasureResult:
    """Erase the conversation ``session_id`` (ownership already checked by the caller) and
    commit; raises the database's error when a step fails (nothing of step 2 is then kept)."""
    erased_at = now or dt.datetime.now(dt.UTC)
    events = erase_tracker_conversation(tracker_store_url(), session_id)
    try:
        erase_session_reviews(session, session_id)  # their copies of the questions
        turns = erase_turns(session, session_id)
        tickets = erase_transcripts(session, session_id, erased_at)
        record_erasure(session, session_id, erased_at=erased_at, turns=turns, tickets=len(tickets))
        session.commit()
    except Exception:
        session.rollback()
        raise
    logger.info(
        "chat.erasure session_hash=%s turns=%d tracker_events=%s tickets=%d",
        session_hash(session_id),
        turns,
        events,
        len(tickets),
    )
    return ErasureResult(erased_at, turns, events, tickets)

"""Retention of the chat: turns older than ``chat_retention_days`` are deleted.

The conversations left without any turn (and older than the retention) go too, with their
key. A support ticket keeps its own copy of the transcript (``support_tickets`` messages,
copied when the ticket is opened), which this purge does not touch.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from portal.conversations.models import ChatConversation, ChatTurn
from portal.settings import get_portal_settings


def retention_cutoff(now: dt.datetime | None = None, days: int | None = None) -> dt.datetime:
    """The instant before which stored turns have expired."""
    now = now or dt.datetime.now(dt.UTC)
    if days is None:
        days = get_portal_settings().chat_retention_days
    return now - dt.timedelta(days=days)


def purge_expired_turns(
    session: Session, now: dt.datetime | None = None, days: int | None = None
) -> int:
    """Delete the turns older than the retention (``days``, default: the setting), then the
    conversations older than it that have no turn left; commit and return how many turns
    were deleted."""
    cutoff = retention_cutoff(now, days)
    turns = session.execute(delete(ChatTurn).where(ChatTurn.created_at < cutoff))
    has_turn = exists(select(ChatTurn.id).where(ChatTurn.session_id == ChatConversation.session_id))
    session.execute(delete(ChatConversation).where(ChatConversation.created_at < cutoff, ~has_turn))
    session.commit()
    return int(getattr(turns, "rowcount", 0) or 0)

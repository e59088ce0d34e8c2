"""Agents' public replies to tickets opened from a chat session, delivered into that chat.

A reply is delivered once: it is stored among the replies of a chat turn, flagged
``author: "agent"`` with the ticket message's id (``agent_message_id``). Whatever has an id
above the highest delivered one is still to deliver:

- ``POST /api/chat`` puts pending replies before the assistant's answer, in the new turn;
- ``GET /api/chat/{session_id}/history`` appends them to the session's latest turn, so a
  user who only reloads the page sees them too, in the order they arrived;
- ``GET /api/chat/{session_id}/events`` (the open widget's live stream) does the same as soon
  as an agent replies, and sends what it appended.

Storing a reply in a turn is what marks it delivered: none of the three paths shows it again.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.conversations.models import ChatTurn
from portal.conversations.repository import list_turns
from support_tickets import service

logger = logging.getLogger(__name__)

AGENT_AUTHOR = "agent"
AGENT_ID_KEY = "agent_message_id"
REPLY_HEADER = "Réponse de nos équipes à votre demande {number} :"


def is_agent_reply(reply: dict[str, Any]) -> bool:
    return reply.get("author") == AGENT_AUTHOR


def last_delivered_id(turns: list[ChatTurn]) -> int | None:
    """The highest ticket-message id already delivered into these turns (None if none)."""
    ids = [
        int(reply[AGENT_ID_KEY])
        for turn in turns
        for reply in turn.replies or []
        if is_agent_reply(reply) and isinstance(reply.get(AGENT_ID_KEY), int)
    ]
    return max(ids, default=None)


def pending_agent_replies(
    session: Session, session_id: str, turns: list[ChatTurn]
) -> list[dict[str, Any]]:
    """The replies not yet delivered to ``session_id``, as stored chat replies (oldest first)."""
    messages = service.public_replies_for_chat_session(
        session, session_id, since_id=last_delivered_id(turns)
    )
    return [
        {
            "text": f"{REPLY_HEADER.format(number=m.ticket.number)}\n\n{m.body}",
            "buttons": [],
            "links": [],
            "author": AGENT_AUTHOR,
            AGENT_ID_KEY: m.id,
        }
        for m in messages
    ]


def pending_for_new_turn(session: Session, session_id: str) -> list[dict[str, Any]]:
    """The replies to put before the assistant's answer; a database failure loses none of
    them (they stay pending) and never breaks the chat."""
    try:
        if not service.has_public_replies_for_chat_session(session, session_id):
            # No agent replied to this conversation: its stored turns need not be read, so
            # a message costs the same at turn 30 as at turn 1 (issue 17).
            return []
        return pending_agent_replies(session, session_id, list_turns(session, session_id))
    except SQLAlchemyError:
        logger.exception("chat.agent_replies_unavailable session=%s", session_id)
        session.rollback()
        return []


def deliver_into_latest_turn(
    session: Session, session_id: str, turns: list[ChatTurn]
) -> list[dict[str, Any]]:
    """Append the pending replies to the session's latest turn (for the history), commit, and
    return them (none when the database fails: they stay pending)."""
    if not turns:
        return []
    try:
        pending = pending_agent_replies(session, session_id, turns)
        if not pending:
            return []
        latest = turns[-1]
        latest.replies = [*(latest.replies or []), *pending]  # JSON is not tracked in place
        session.commit()
    except SQLAlchemyError:
        logger.exception("chat.agent_replies_unavailable session=%s", session_id)
        session.rollback()
        return []
    logger.info("chat.agent_replies_delivered session=%s count=%d", session_id, len(pending))
    return pending


def without_repeats(replies: list[dict[str, Any]], seen: set[int]) -> list[dict[str, Any]]:
    """``replies`` without agent replies already shown (two deliveries that raced)."""
    kept = []
    for reply in replies:
        message_id = reply.get(AGENT_ID_KEY) if is_agent_reply(reply) else None
        if isinstance(message_id, int):
            if message_id in seen:
                continue
            seen.add(message_id)
        kept.append(reply)
    return kept

"""The open widget's live stream: agents' replies and the state of the exchange with the
support team, as server-sent events (``GET /api/chat/{session_id}/events``).

The stream wakes up when the conversation's topic is notified
(:mod:`web_common.live_events`: an agent replied or changed the ticket's status), and every
:data:`RECHECK_S` anyway. Each time it delivers the pending agent replies the way the history
does (:func:`assistant.chat.agent_replies.deliver_into_latest_turn`: stored in the latest turn,
hence delivered once, whichever path shows them first), then sends the exchange's state
when it changed. The database session lives for one read, never across a wait.

Events: ``agent_reply`` (``{"messages": [...]}``, each with its ``agent_message_id``) and
``support`` (:class:`~assistant.chat.schemas.SupportExchange`); comments keep the
connection alive every :data:`KEEPALIVE_S`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.orm import Session

from assistant.chat import agent_replies
from assistant.chat.schemas import BotMessage, SupportExchange
from portal.conversations import repository
from storage.db import get_sessionmaker
from support_tickets import service
from web_common.live_events import Subscription

logger = logging.getLogger(__name__)

MAX_STREAMS_PER_CONVERSATION = 4
"""Live streams open at once on one conversation (its tabs); one more is refused (429)."""
KEEPALIVE_S = 15.0
"""Seconds between keep-alive comments, so that proxies keep an idle stream open."""
RECHECK_S = 30.0
"""Seconds after which a stream reads the database without being notified (a change made by
another web-app worker, while the notifications are in-process)."""


def bound_to_another(session: Session, session_id: str, reader: str | None) -> bool:
    """Whether the conversation holds turns answered for an identity other than ``reader``:
    its live stream (agents' replies to that person's tickets) is then refused."""
    return any(
        t.identity_sub is not None and t.identity_sub != reader
        for t in repository.list_turns(session, session_id)
    )


def support_exchange(session: Session, session_id: str, reader: str | None) -> SupportExchange:
    """Whether ``reader``'s messages in ``session_id`` go to a ticket now, and which."""
    ticket = service.live_ticket_for_chat(session, session_id, reader)
    return SupportExchange(active=ticket is not None, ticket=ticket.number if ticket else None)


def read_changes(session_id: str, reader: str | None) -> tuple[list[dict[str, Any]], str]:
    """Deliver the pending agent replies; return them (JSON-ready) and the exchange's state
    (JSON), reading in a database session of its own."""
    with get_sessionmaker()() as session:
        turns = repository.visible_to(repository.list_turns(session, session_id), reader)
        delivered = agent_replies.deliver_into_latest_turn(session, session_id, turns)
        exchange = support_exchange(session, session_id, reader).model_dump_json()
    replies = [BotMessage.model_validate(r).model_dump(mode="json") for r in delivered]
    return replies, exchange


async def conversation_events(
    session_id: str, reader: str | None, subscription: Subscription
) -> AsyncIterator[dict[str, str]]:
    """The stream's events, until the client goes (the subscription is then closed)."""
    sent_exchange: str | None = None
    try:
        while True:
            replies, exchange = read_changes(session_id, reader)
            if replies:
                logger.info("chat.live_delivered session=%s count=%d", session_id, len(replies))
                yield {"event": "agent_reply", "data": json.dumps({"messages": replies})}
            if exchange != sent_exchange:
                sent_exchange = exchange
                yield {"event": "support", "data": exchange}
            await subscription.wait(RECHECK_S)
    finally:
        subscription.close()
        logger.info("chat.live_closed session=%s", session_id)

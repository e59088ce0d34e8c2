"""A user's chat message while a ticket waits for them goes to that ticket, not to Rasa.

:func:`forward_to_ticket` is called by ``POST /api/chat`` once the conversation key and the
identity are checked: when the conversation has a live exchange with a ticket
(:func:`support_tickets.service.live_ticket_for_chat`), the message is added to the ticket
as the requester's (with its event, the ticket going back to « en cours »), the turn is
stored with the outcome :data:`SUPPORT_OUTCOME`, and the user is told where it went.
Button payloads (``/…``: feedback, choices) still go to the assistant.

``POST /api/chat/{session_id}/support/leave`` (:func:`leave`) ends the exchange: the next
messages go to the assistant again, on every reload, until an agent writes to the user again.
"""

from __future__ import annotations

import logging
import time

from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from assistant.chat import agent_replies
from assistant.chat.schemas import BotMessage, ChatRequest, ChatResponse, SupportExchange
from assistant.errors import error_response
from portal.conversations import repository
from portal.identity import Identity
from support_tickets import service
from support_tickets.errors import TicketError
from web_common.live_events import chat_topic, get_live_events

logger = logging.getLogger(__name__)

SUPPORT_OUTCOME = "support"
"""Outcome of a stored turn whose message went to a ticket (not answered by the assistant)."""
FORWARDED_TEXT = (
    "Votre message a été transmis à l'équipe support (demande {number}). "
    "Un conseiller vous répondra ici même."
)


def forward_to_ticket(
    session: Session,
    body: ChatRequest,
    found: tuple[Identity, str] | None,
    new_key: str | None,
) -> ChatResponse | JSONResponse | None:
    """The answer when ``body`` went to the conversation's ticket; ``None`` when the message
    is for the assistant (no live exchange, or a button's payload). ``found``: the sender's
    verified identity and token, if any."""
    if body.message.startswith("/"):
        return None
    started = time.perf_counter()
    identity_sub = found[0].sub if found else None
    ticket = service.live_ticket_for_chat(session, body.session_id, identity_sub)
    if ticket is None:
        return None
    number = ticket.number
    try:
        service.add_user_message(session, ticket, body.message)
    except TicketError as exc:
        logger.info("chat.support_refused session=%s ticket=%s", body.session_id, number)
        return error_response(422, exc.message, "message")
    pending = agent_replies.pending_for_new_turn(session, body.session_id)
    forwarded = BotMessage(text=FORWARDED_TEXT.format(number=number))
    turn = repository.record_turn(
        session,
        session_id=body.session_id,
        user_text=body.message,
        replies=[*pending, forwarded.model_dump()],
        outcome=SUPPORT_OUTCOME,
        latency_ms=(time.perf_counter() - started) * 1000,  # what the user waited
        page=body.page,
        identity_sub=identity_sub,
    )
    get_live_events().publish(chat_topic(body.session_id))  # the conversation's other tabs
    logger.info("chat.support_forwarded session=%s ticket=%s", body.session_id, number)
    return ChatResponse(
        session_id=body.session_id,
        messages=[*(BotMessage.model_validate(r) for r in pending), forwarded],
        turn_id=turn.id,
        conversation_key=new_key,
    )


def leave(session: Session, session_id: str, identity_sub: str | None) -> SupportExchange:
    """End the conversation's exchange with its ticket (nothing to do when there is none)."""
    ticket = service.live_ticket_for_chat(session, session_id, identity_sub)
    if ticket is not None:
        service.leave_exchange(session, ticket)
        logger.info("chat.support_left session=%s ticket=%s", session_id, ticket.number)
    return SupportExchange(active=False)

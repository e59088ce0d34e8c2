"""The open widget's live line: the event stream of a conversation, and going back from the
support team to the assistant. Both need the conversation key, as the history does."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from sse_starlette import EventSourceResponse
from starlette.background import BackgroundTask

from assistant.chat import access, live, support_exchange
from assistant.chat.schemas import SESSION_ID_PATTERN, ErrorResponse, SupportExchange
from assistant.config import Settings
from assistant.deps import SessionDep, SettingsDep
from assistant.errors import error_response
from portal.conversations.keys import KeyCheck, check_key
from web_common.live_events import TooManySubscribers, chat_topic, get_live_events

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["chat"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorResponse, "description": "Clé de conversation absente ou erronée"},
    422: {"model": ErrorResponse, "description": "Identifiant invalide"},
}
TOO_MANY_STREAMS = (
    "Cette conversation est déjà ouverte dans trop de fenêtres : fermez-en une, puis "
    "rechargez la page."
)


def _owner(
    request: Request, session: Session, session_id: str, settings: Settings
) -> tuple[str | None, JSONResponse | None]:
    """The reader's identity when the caller owns the conversation; else the refusal (an
    unknown conversation has nothing to stream: refused like a wrong key)."""
    if not re.fullmatch(SESSION_ID_PATTERN, session_id):
        return None, error_response(422, "L'identifiant de session est invalide.", "session_id")
    if check_key(session, session_id, access.presented_key(request)) is not KeyCheck.VALID:
        return None, access.refused(session_id)
    reader = access.reader_sub(request, settings)
    if live.bound_to_another(session, session_id, reader):
        return None, access.refused(session_id)
    return reader, None


@router.get(
    "/chat/{session_id}/events",
    response_class=EventSourceResponse,
    response_model=None,
    responses={
        **_ERRORS,
        200: {"content": {"text/event-stream": {}}, "description": "Flux d'événements"},
        429: {"model": ErrorResponse, "description": "Trop de fenêtres ouvertes"},
    },
)
async def events(
    session_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> EventSourceResponse | JSONResponse:
    """Server-sent events of the conversation: agents' replies as soon as they are written
    (``agent_reply``) and whether the messages go to the support team (``support``).

    The conversation key comes in the ``X-Conversation-Key`` header (the widget reads the
    stream with ``fetch``): never in the address, which logs keep.
    """
    reader, refusal = _owner(request, session, session_id, settings)
    session.close()  # the stream reads with sessions of its own: no connection held open
    if refusal is not None:
        return refusal
    try:
        subscription = get_live_events().subscribe(
            chat_topic(session_id), live.MAX_STREAMS_PER_CONVERSATION
        )
    except TooManySubscribers:
        logger.warning("chat.live_refused session=%s reason=too_many_streams", session_id)
        return error_response(429, TOO_MANY_STREAMS)
    logger.info("chat.live_opened session=%s", session_id)
    return EventSourceResponse(
        live.conversation_events(session_id, reader, subscription),
        ping=live.KEEPALIVE_S,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        background=BackgroundTask(subscription.close),  # also when the stream never started
    )


@router.post("/chat/{session_id}/support/leave", response_model=SupportExchange, responses=_ERRORS)
async def leave_support(
    session_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> SupportExchange | JSONResponse:
    """Back to the assistant: the conversation's next messages go to the assistant, not to
    the ticket waiting for the user (until an agent writes to the user again)."""
    reader, refusal = _owner(request, session, session_id, settings)
    if refusal is not None:
        return refusal
    return support_exchange.leave(session, session_id, reader)

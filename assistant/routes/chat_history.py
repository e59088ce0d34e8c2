"""Reading a conversation back and rating its answers: both need the conversation key."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assistant.chat import access, agent_replies
from assistant.chat.schemas import (
    SESSION_ID_PATTERN,
    BotMessage,
    ErrorResponse,
    FeedbackRequest,
    HistoryResponse,
    HistoryTurn,
)
from assistant.deps import SessionDep, SettingsDep
from assistant.errors import error_response
from portal.conversations import repository
from portal.conversations.keys import KeyCheck, check_key

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["chat"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorResponse, "description": "Clé de conversation absente ou erronée"},
    404: {"model": ErrorResponse, "description": "Message introuvable dans la conversation"},
    422: {"model": ErrorResponse, "description": "Identifiant ou champ invalide"},
}


@router.get("/chat/{session_id}/history", response_model=HistoryResponse, responses=_ERRORS)
async def history(
    session_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HistoryResponse | JSONResponse:
    """The conversation's turns, oldest first, so the widget survives reloads and navigation.

    Only with the conversation's key; a turn answered for a logged-in user is returned only
    to that same user.
    """
    if not re.fullmatch(SESSION_ID_PATTERN, session_id):
        return error_response(422, "L'identifiant de session est invalide.", "session_id")
    check = check_key(session, session_id, access.presented_key(request))
    if check is KeyCheck.REFUSED:
        return access.refused(session_id)
    if check is KeyCheck.UNKNOWN:  # not opened yet: nothing to read
        return HistoryResponse(session_id=session_id, turns=[])
    reader = access.reader_sub(request, settings)
    turns = repository.visible_to(repository.list_turns(session, session_id), reader)
    agent_replies.deliver_into_latest_turn(session, session_id, turns)
    seen: set[int] = set()
    return HistoryResponse(
        session_id=session_id,
        turns=[
            HistoryTurn(
                turn_id=t.id,
                created_at=t.created_at,
                user_text=t.user_text,
                messages=[
                    BotMessage.model_validate(m)
                    for m in agent_replies.without_repeats(t.replies, seen)
                ],
                feedback=t.feedback,
            )
            for t in turns
        ],
    )


@router.post("/chat/feedback", status_code=204, responses=_ERRORS)
async def feedback(body: FeedbackRequest, request: Request, session: SessionDep) -> Response:
    """Record a thumbs up / down on an answer (the widget then tells the assistant)."""
    check = check_key(session, body.session_id, access.presented_key(request))
    if check is KeyCheck.REFUSED:
        return access.refused(body.session_id)
    if check is KeyCheck.UNKNOWN or not repository.set_feedback(
        session, body.session_id, body.turn_id, body.value
    ):
        return error_response(404, "Ce message est introuvable dans cette conversation.")
    logger.info(
        "gateway.feedback session=%s turn=%s value=%s", body.session_id, body.turn_id, body.value
    )
    return Response(status_code=204)

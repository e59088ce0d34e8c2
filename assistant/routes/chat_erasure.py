"""``DELETE /api/chat/{session_id}``: erase a conversation at its user's request (the
widget's « Effacer la conversation »), with the same proof of ownership as reading it back."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from assistant.chat import access
from assistant.chat.erasure import erase_conversation
from assistant.chat.schemas import SESSION_ID_PATTERN, ErrorResponse, UtcDatetime
from assistant.deps import SessionDep, SettingsDep
from assistant.errors import error_response
from portal.conversations.erasure import identities_allow
from portal.conversations.keys import KeyCheck, check_key

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["chat"])

ERASED_TEXT = "La conversation a été effacée."
KEY_REFUSED_TEXT = (
    "Cette conversation ne peut être effacée que depuis le navigateur où elle a eu lieu."
)
IDENTITY_REFUSED_TEXT = (
    "Cette conversation contient des réponses données à un usager connecté : connectez-vous "
    "avec le même compte pour l'effacer."
)
UNKNOWN_TEXT = "Aucune conversation n'est enregistrée sous cet identifiant."

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {
        "model": ErrorResponse,
        "description": "Clé de conversation absente ou erronée, ou compte différent",
    },
    404: {"model": ErrorResponse, "description": "Aucune conversation sous cet identifiant"},
    422: {"model": ErrorResponse, "description": "Identifiant de session invalide"},
    503: {"model": ErrorResponse, "description": "Base de données indisponible : réessayer"},
}


class ErasureResponse(BaseModel):
    """The conversation is erased: its turns, the assistant's record of it and the copies
    held by support tickets (replaced by a mention of the erasure)."""

    session_id: str
    erased_at: UtcDatetime
    detail: str


@router.delete(
    "/chat/{session_id}", response_model=ErasureResponse, responses=_ERRORS, status_code=200
)
def erase(
    session_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> ErasureResponse | JSONResponse:
    """Erase the conversation: only with its key (header ``X-Conversation-Key``) and, when a
    turn was answered for a logged-in user, as that same user (identity token or cookie)."""
    if not re.fullmatch(SESSION_ID_PATTERN, session_id):
        return error_response(422, "L'identifiant de session est invalide.", "session_id")
    check = check_key(session, session_id, access.presented_key(request))
    if check is KeyCheck.UNKNOWN:
        return error_response(404, UNKNOWN_TEXT)
    if check is KeyCheck.REFUSED:
        logger.warning("chat.erasure_refused reason=key session=%s", session_id)
        return error_response(403, KEY_REFUSED_TEXT, access.KEY_HEADER)
    if not identities_allow(session, session_id, access.reader_sub(request, settings)):
        logger.warning("chat.erasure_refused reason=identity session=%s", session_id)
        return error_response(403, IDENTITY_REFUSED_TEXT, access.IDENTITY_HEADER)
    result = erase_conversation(session, session_id, dt.datetime.now(dt.UTC))
    return ErasureResponse(session_id=session_id, erased_at=result.erased_at, detail=ERASED_TEXT)

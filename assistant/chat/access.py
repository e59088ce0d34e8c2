"""Who may use a conversation, as the web app sees it: the conversation key (a request
header) and the reader's identity (issue 12).

The key proves the caller is the browser that opened the conversation
(:mod:`portal.conversations.keys`); the identity decides which of its turns the caller may
read back, since a turn answered for a logged-in user may hold that user's records.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.errors import error_response
from assistant.routes.auth import resolve_identity
from portal.conversations.keys import KeyCheck, check_key, open_conversation
from portal.identity import InvalidToken

logger = logging.getLogger(__name__)

KEY_HEADER = "X-Conversation-Key"
"""Request header carrying the conversation key that the first reply gave."""
IDENTITY_HEADER = "X-Identity-Token"
"""Request header carrying the host portal's identity token on reads (no body there)."""
REFUSED_TEXT = (
    "Cette conversation n'est pas accessible depuis ce navigateur. "
    "Une nouvelle conversation va commencer."
)


def refused(session_id: str) -> JSONResponse:
    """The 403 for a conversation whose key is missing or wrong."""
    logger.warning("gateway.conversation_refused session=%s", session_id)
    return error_response(403, REFUSED_TEXT, KEY_HEADER)


def presented_key(request: Request) -> str | None:
    return request.headers.get(KEY_HEADER) or None


def admit(request: Request, session: Session, session_id: str) -> tuple[bool, str | None]:
    """Whether this message may go into ``session_id``, and the new key when it opens the
    conversation (``None`` for a conversation already opened by this caller)."""
    check = check_key(session, session_id, presented_key(request))
    if check is KeyCheck.VALID:
        return True, None
    if check is KeyCheck.REFUSED:
        return False, None
    key = open_conversation(session, session_id)
    return key is not None, key


def reader_sub(request: Request, settings: Settings) -> str | None:
    """The verified identity of a reader (header token, else cookie); anonymous when none
    or when it does not verify (the reader then sees the anonymous turns only)."""
    try:
        found = resolve_identity(request, settings, request.headers.get(IDENTITY_HEADER))
    except InvalidToken:
        return None
    return found[0].sub if found else None

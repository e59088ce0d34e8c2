"""``POST /api/chat``: validate, rate-limit, relay to Rasa, record the turn, answer in French."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from assistant.chat import access, agent_replies, support_exchange
from assistant.chat.gateway import Intent, RasaGateway, RasaUnavailable
from assistant.chat.messages import no_reply_message, unavailable_message
from assistant.chat.schemas import (
    BotMessage,
    ChatRequest,
    ChatResponse,
    ErrorResponse,
)
from assistant.config import Settings
from assistant.deps import GatewayDep, SessionDep, SettingsDep
from assistant.errors import error_response
from assistant.routes.auth import resolve_identity
from portal.conversations import repository
from portal.conversations.models import ChatTurn
from portal.identity import Identity, InvalidToken
from storage.db import get_sessionmaker
from web_common.rate_limit import app_limiter

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["chat"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Corps JSON invalide"},
    401: {"model": ErrorResponse, "description": "Jeton d'identité expiré ou invalide"},
    403: {"model": ErrorResponse, "description": "Clé de conversation absente ou erronée"},
    422: {"model": ErrorResponse, "description": "Champ manquant, vide ou trop long"},
    429: {"model": ErrorResponse, "description": "Trop de messages"},
}


async def _record_intent(gateway: RasaGateway, turn_id: int, session_id: str) -> None:
    """Store the intent of a turn whose reply carried none: ask Rasa's tracker (a second
    call, which loads the whole conversation: only when Rasa was started without the
    launcher that reports the intent, :mod:`assistant.chat.gateway`)."""
    intent, confidence = await gateway.latest_intent(session_id)
    with get_sessionmaker()() as session:
        repository.set_intent(session, turn_id, intent, confidence)


@router.post("/chat", response_model=ChatResponse, responses=_ERRORS)
async def chat(
    body: ChatRequest,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    gateway: GatewayDep,
) -> ChatResponse | JSONResponse:
    """Relay one user message to the assistant and return its replies.

    Rasa down, failing or too slow never yields an error: the reply is the French
    « indisponible » message with the support link.
    """
    refusal = _invalid_message(body.message, settings.max_message_chars) or _rate_limited(
        request, body.session_id, settings
    )
    if refusal is not None:
        return refusal
    admitted, new_key = access.admit(request, session, body.session_id)
    if not admitted:
        return access.refused(body.session_id)
    try:
        found = resolve_identity(request, settings, body.identity_token)
    except InvalidToken as exc:
        return _identity_refused(exc, body, settings)
    forwarded = support_exchange.forward_to_ticket(session, body, found, new_key)
    if forwarded is not None:  # a ticket waiting for the user got it, not Rasa (issue 13)
        return forwarded
    # End the read transaction so that the pooled connection goes back to the pool while
    # Rasa thinks (seconds): held across the await, 16 concurrent follow-ups emptied the
    # pool and stalled every request for the pool's timeout (SECURITY.md, cross-talk).
    session.commit()

    started = time.perf_counter()
    metadata = _rasa_metadata(body.page, found)
    messages, kb_records, outcome, carried = await _ask_rasa(
        request, gateway, body, metadata, settings.support_url
    )
    latency_ms = (time.perf_counter() - started) * 1000
    pending = agent_replies.pending_for_new_turn(session, body.session_id)
    replies = [*pending, *(m.model_dump() for m in messages)]
    turn = _store_turn(session, body, found, replies, (outcome, latency_ms, kb_records), carried)
    if outcome == "answered" and turn.intent is None:
        background.add_task(_record_intent, gateway, turn.id, body.session_id)
    logger.info(
        "gateway.turn session=%s outcome=%s latency_ms=%.0f", body.session_id, outcome, latency_ms
    )
    messages = [*(BotMessage.model_validate(r) for r in pending), *messages]
    return ChatResponse(
        session_id=body.session_id, messages=messages, turn_id=turn.id, conversation_key=new_key
    )


def _store_turn(
    session: Session,
    body: ChatRequest,
    found: tuple[Identity, str] | None,
    replies: list[dict[str, Any]],
    result: tuple[str, float, list[dict[str, Any]]],
    carried: Intent | None,
) -> ChatTurn:
    """Store the turn (``result``: outcome, latency, knowledge-base records) with the intent
    the reply carried, in one transaction; an answered turn whose reply carried none gets it
    from Rasa's tracker after the reply (:func:`_record_intent`)."""
    outcome, latency_ms, kb_records = result
    intent, confidence = carried if carried is not None else (None, None)
    return repository.record_turn(
        session,
        session_id=body.session_id,
        user_text=body.message,
        replies=replies,
        outcome=outcome,
        latency_ms=latency_ms,
        kb=kb_records,
        page=body.page,
        identity_sub=found[0].sub if found else None,
        intent=intent,
        intent_confidence=confidence,
    )


def _invalid_message(message: str, max_chars: int) -> JSONResponse | None:
    """The 422 for an empty or too long message; ``None`` when it is fine."""
    if not message:
        return error_response(
            422, "Le message est vide : veuillez saisir votre question.", "message"
        )
    if len(message) > max_chars:
        return error_response(
            422,
            f"Le message est trop long ({len(message)} caractères) : "
            f"{max_chars} caractères au maximum.",
            "message",
        )
    return None


def _rate_limited(request: Request, session_id: str, settings: Settings) -> JSONResponse | None:
    """The 429 (with ``Retry-After``) when the session or the client sent too many messages;
    ``None`` when the message may go through."""
    client = request.client.host if request.client else "unknown"
    state = request.app.state
    by_session = app_limiter(state, "session", settings.rate_limit_per_session)
    by_client = app_limiter(state, "client", settings.rate_limit_per_client)
    if by_session.allow(session_id) and by_client.allow(client):
        return None
    logger.warning("gateway.rate_limited session=%s client=%s", session_id, client)
    limited = error_response(
        429, "Vous avez envoyé trop de messages en peu de temps. Patientez une minute."
    )
    wait_s = max(by_session.retry_after(session_id), by_client.retry_after(client))
    limited.headers["Retry-After"] = str(max(wait_s, 1))
    return limited


def _identity_refused(exc: InvalidToken, body: ChatRequest, settings: Settings) -> JSONResponse:
    """The 401 for an identity token that does not verify."""
    logger.info("gateway.identity_refused session=%s reason=%s", body.session_id, exc)
    refused = error_response(401, exc.detail)
    if not body.identity_token:  # a stale cookie: drop it so the next message is anonymous
        refused.delete_cookie(settings.session_cookie_name, path="/")
    return refused


def _rasa_metadata(page: str | None, found: tuple[Identity, str] | None) -> dict[str, Any]:
    """What Rasa gets with the message: the portal page and the verified identity, if any."""
    metadata: dict[str, Any] = {"page": page} if page else {}
    if found is not None:
        identity, token = found
        metadata["identity"] = identity.claims()
        metadata["identity_token"] = token  # actions verify it again (defence in depth)
    return metadata


async def _ask_rasa(
    request: Request,
    gateway: RasaGateway,
    body: ChatRequest,
    metadata: dict[str, Any],
    support_url: str,
) -> tuple[list[BotMessage], list[dict[str, Any]], str, Intent | None]:
    """Rasa's replies, its knowledge-base records, the turn's outcome (``answered``,
    ``empty`` or ``unavailable``) and the intent the replies carried; never raises for Rasa's
    failures."""
    try:
        reply = await gateway.send(body.session_id, body.message, metadata)
    except RasaUnavailable as exc:
        logger.warning("gateway.unavailable session=%s reason=%s", body.session_id, exc.reason)
        return [unavailable_message(support_url)], [], "unavailable", None
    if reply.messages:
        return reply.messages, reply.kb_records, "answered", reply.intent
    empty = await _empty_reply_message(request, support_url)
    return [empty], reply.kb_records, "empty", reply.intent


async def _empty_reply_message(request: Request, support_url: str) -> BotMessage:
    """Rasa answered nothing: if the action server is down, say the assistant is unavailable."""
    health = request.app.state.health
    if not await health.action_server_ok():
        logger.error("gateway.action_server_down")
        return unavailable_message(support_url)
    return no_reply_message(support_url)

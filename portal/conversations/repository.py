"""Storage of chat turns (the repository between routes and the database)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.conversations.models import ChatTurn
from portal.conversations.redaction import redact, redact_replies


def record_turn(
    session: Session,
    *,
    session_id: str,
    user_text: str,
    replies: list[dict[str, Any]],
    outcome: str,
    latency_ms: float,
    kb: list[dict[str, Any]] | None = None,
    page: str | None = None,
    identity_sub: str | None = None,
    intent: str | None = None,
    intent_confidence: float | None = None,
) -> ChatTurn:
    """Store one turn and commit; returns it with its id. ``identity_sub``: the verified
    identity the turn was answered for (its replies may hold that user's records);
    ``intent``: Rasa's, when the reply carried it (else :func:`set_intent` adds it later).

    The personal data in ``user_text`` (and in the replies that echo it) is redacted first
    (:mod:`portal.conversations.redaction`): Rasa got the message as typed, the store never."""
    turn = ChatTurn(
        session_id=session_id,
        identity_sub=identity_sub,
        user_text=redact(user_text),
        replies=redact_replies(replies),
        outcome=outcome,
        latency_ms=latency_ms,
        kb=kb or None,
        page=page,
        intent=intent,
        intent_confidence=intent_confidence if intent is not None else None,
    )
    session.add(turn)
    session.commit()
    return turn


def set_intent(
    session: Session, turn_id: int, intent: str | None, confidence: float | None
) -> None:
    """Attach the intent Rasa detected to a stored turn."""
    turn = session.get(ChatTurn, turn_id)
    if turn is not None and intent is not None:
        turn.intent = intent
        turn.intent_confidence = confidence
        session.commit()


def list_turns(session: Session, session_id: str, limit: int = 200) -> list[ChatTurn]:
    """The session's turns, oldest first."""
    query = (
        select(ChatTurn)
        .where(ChatTurn.session_id == session_id)
        .order_by(ChatTurn.id.desc())
        .limit(limit)
    )
    return list(reversed(session.scalars(query).all()))


def set_feedback(session: Session, session_id: str, turn_id: int, value: str) -> bool:
    """Record thumbs up/down on a turn of ``session_id``; False if no such turn there."""
    turn = session.get(ChatTurn, turn_id)
    if turn is None or turn.session_id != session_id:
        return False
    turn.feedback = value
    turn.feedback_at = dt.datetime.now(dt.UTC)
    session.commit()
    return True


def visible_to(turns: list[ChatTurn], identity_sub: str | None) -> list[ChatTurn]:
    """The turns a reader with ``identity_sub`` (None: anonymous) may see: the anonymous
    ones, and those answered for that same identity."""
    return [t for t in turns if t.identity_sub is None or t.identity_sub == identity_sub]


def has_turns(session: Session, session_id: str) -> bool:
    """Whether any turn was stored under ``session_id``."""
    query = select(ChatTurn.id).where(ChatTurn.session_id == session_id).limit(1)
    return session.scalar(query) is not None

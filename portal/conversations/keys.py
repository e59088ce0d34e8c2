"""Conversation keys: issued with a conversation's first turn, required for everything after.

A session id is not a secret: it sits in the widget's storage, in logs, and once sat in the
support link. The key is: 256 random bits, given once to the widget, stored hashed. Reading
the history, sending a later message, giving feedback or attaching the conversation to a
ticket all need it (:func:`check_key`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import Enum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.conversations.models import ChatConversation
from portal.conversations.repository import has_turns

KEY_BYTES = 32
"""Random bytes of a key (256 bits; 43 URL-safe characters)."""
MAX_KEY_CHARS = 64
"""Longest key accepted from a client (a longer one cannot be ours)."""


class KeyCheck(Enum):
    """The outcome of presenting a key for a session id."""

    VALID = "valid"  # the conversation exists and the key is its own
    UNKNOWN = "unknown"  # no conversation has this id yet: the next message opens it
    REFUSED = "refused"  # the conversation exists and the key is missing or another one


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_key(session: Session, session_id: str, key: str | None) -> KeyCheck:
    """Whether ``key`` opens the conversation ``session_id``."""
    conversation = session.get(ChatConversation, session_id)
    if conversation is None:
        return KeyCheck.UNKNOWN
    if not key or len(key) > MAX_KEY_CHARS:
        return KeyCheck.REFUSED
    if hmac.compare_digest(conversation.key_hash, _hash(key)):
        return KeyCheck.VALID
    return KeyCheck.REFUSED


def open_conversation(session: Session, session_id: str) -> str | None:
    """Create the conversation ``session_id`` and return its key (the only time it is seen).

    ``None`` when another request opened it first, or when turns were stored under this id
    before keys existed: nobody can prove they own those, so the id is not given out again
    (the widget starts a new conversation).
    """
    if has_turns(session, session_id):
        return None
    key = secrets.token_urlsafe(KEY_BYTES)
    session.add(ChatConversation(session_id=session_id, key_hash=_hash(key)))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return key

"""Erasure of a conversation at its user's request: its turns go, a record stays.

The record (:class:`ChatErasure`) keeps the date and the SHA-256 of the session id, never a
word of the conversation: enough to show that it was erased and when, and to find it again
from a ticket that names the session. The conversation's key is voided (its row stays, so
the id is never given out again while a ticket still names it): nobody reads or continues it
afterwards.

Ownership is checked by the caller (the web app): the conversation key, and the identity of
the logged-in user when a turn was answered for one (:func:`identities_allow`).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import DateTime, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.conversations.models import ChatConversation, ChatTurn
from storage.db import Base

VOID_KEY_HASH = ""  # no key hashes to an empty string: the conversation opens no more


class ChatErasure(Base):
    """One conversation erased at its user's request: when, and which (hashed), no content."""

    __tablename__ = "chat_erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), index=True)
    erased_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    turns: Mapped[int] = mapped_column(Integer)  # how many stored turns went
    tickets: Mapped[int] = mapped_column(Integer)  # tickets whose transcript copy was replaced


def session_hash(session_id: str) -> str:
    """The SHA-256 (hex) of a session id, as erasures record it."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def identities_allow(session: Session, session_id: str, reader_sub: str | None) -> bool:
    """Whether a reader with ``reader_sub`` (None: anonymous) may erase the conversation:
    every turn answered for a logged-in user must have been answered for that same user."""
    query = select(ChatTurn.identity_sub).where(
        ChatTurn.session_id == session_id, ChatTurn.identity_sub.is_not(None)
    )
    return all(sub == reader_sub for sub in session.scalars(query.distinct()))


def erase_turns(session: Session, session_id: str) -> int:
    """Delete the conversation's turns and void its key (not committed); returns how many
    turns went."""
    result = session.execute(delete(ChatTurn).where(ChatTurn.session_id == session_id))
    conversation = session.get(ChatConversation, session_id)
    if conversation is not None:
        conversation.key_hash = VOID_KEY_HASH
    return int(getattr(result, "rowcount", 0) or 0)


def record_erasure(
    session: Session, session_id: str, *, erased_at: dt.datetime, turns: int, tickets: int
) -> ChatErasure:
    """Add the record of an erasure (not committed)."""
    erasure = ChatErasure(
        session_hash=session_hash(session_id), erased_at=erased_at, turns=turns, tickets=tickets
    )
    session.add(erasure)
    return erasure


def latest_erasure(session: Session, session_id: str) -> ChatErasure | None:
    """The latest erasure recorded for ``session_id``, if any."""
    query = (
        select(ChatErasure)
        .where(ChatErasure.session_hash == session_hash(session_id))
        .order_by(ChatErasure.erased_at.desc())
        .limit(1)
    )
    return session.scalar(query)

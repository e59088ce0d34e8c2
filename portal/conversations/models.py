"""ORM models of the chat: a conversation (its key and owner) and its turns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base


class ChatTurn(Base):
    """A user message, the replies shown, and what the assistant knew when answering.

    ``outcome`` is ``answered`` (Rasa replied), ``unavailable`` (Rasa or the action server
    could not answer: the user got the French « indisponible » message), ``empty``, or
    ``support`` (the message went to a ticket waiting for the user, not to Rasa).
    ``kb`` holds the knowledge-base decision record sent by the retrieval action
    (decision, candidates, scores); ``intent``/``intent_confidence`` are read back from
    Rasa's tracker.
    """

    __tablename__ = "chat_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    user_text: Mapped[str] = mapped_column(Text)
    replies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    intent_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    kb: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    page: Mapped[str | None] = mapped_column(String(200), nullable=True)
    latency_ms: Mapped[float] = mapped_column(Float)
    feedback: Mapped[str | None] = mapped_column(String(16), nullable=True)
    feedback_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The verified identity the turn was answered for (its replies may show that user's
    # records): only that identity reads the turn back or attaches it to a ticket.
    identity_sub: Mapped[str | None] = mapped_column(String(128), nullable=True)


class ChatConversation(Base):
    """Who may read and continue a conversation: the holder of its key.

    The key is issued by the server with the conversation's first turn and kept by the
    widget; only its SHA-256 is stored. A session id alone (it travels in logs and links)
    reads nothing.
    """

    __tablename__ = "chat_conversations"

    session_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

"""ORM model of the quality review: an answered chat turn drawn for review, and its verdict.

A row copies what the evaluation set and the Pilotage chart need from its turn (the redacted
question, the answer given, the entry that answered and that answer's source, the page and
when it was answered), so it outlives the turn: the chat retention purge deletes the turn and
the database sets ``turn_id`` to NULL (``ON DELETE SET NULL``), the review stays whole.
``turn_id`` is unique: a turn enters the queue once, whatever the draws.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base

VERDICT_RIGHT = "juste"
VERDICT_WRONG = "fausse"
VERDICT_UNCLEAR = "a_clarifier"
VERDICTS = (VERDICT_RIGHT, VERDICT_WRONG, VERDICT_UNCLEAR)

REASON_NEGATIVE_FEEDBACK = "pouce_baisse"  # drawn because the user gave a thumbs down
REASON_LOW_MARGIN = "marge_faible"  # drawn with the low-margin weight
REASON_RANDOM = "tirage"  # drawn at the base rate


class QualityReview(Base):
    """One answered turn in the review queue (``verdict`` NULL) or reviewed."""

    __tablename__ = "quality_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_turns.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    question: Mapped[str] = mapped_column(Text)
    answer_text: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str] = mapped_column(String(200))
    source_title: Mapped[str | None] = mapped_column(String(400), nullable=True)
    source_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    margin: Mapped[float | None] = mapped_column(Float, nullable=True)
    feedback: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(String(16))
    page: Mapped[str | None] = mapped_column(String(200), nullable=True)
    answered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    sampled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    verdict: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_agents.id", ondelete="SET NULL"), nullable=True
    )
    reviewer_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

"""ORM models of FAQ drafts (issue 15): an entry drafted by an agent from a resolved ticket or
a content gap, reviewed and published by a supervisor, with the history of every step."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base
from support_tickets.models import Agent, utcnow


class FaqDraft(Base):
    """One FAQ entry on its way to the knowledge base (statuses in
    :mod:`support_tickets.faq_drafts`)."""

    __tablename__ = "support_faq_drafts"
    __table_args__ = (UniqueConstraint("entry_id", name="uq_support_faq_drafts_entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(String(200))
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    wordings: Mapped[list[str]] = mapped_column(JSON, default=list)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_tickets.id", ondelete="SET NULL")
    )
    entry_id: Mapped[str | None] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_agents.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_agents.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[Agent | None] = relationship(foreign_keys=[author_id], lazy="joined")
    reviewer: Mapped[Agent | None] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    events: Mapped[list[FaqDraftEvent]] = relationship(
        back_populates="draft",
        order_by="FaqDraftEvent.id",
        cascade="all, delete-orphan",
    )


class FaqDraftEvent(Base):
    """A step of a draft's history: created, edited, submitted, sent back, published."""

    __tablename__ = "support_faq_draft_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("support_faq_drafts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_agents.id", ondelete="SET NULL")
    )
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    draft: Mapped[FaqDraft] = relationship(back_populates="events")
    agent: Mapped[Agent | None] = relationship(lazy="joined")

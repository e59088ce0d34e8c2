"""ORM models of a submission and of its status history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base

RETENTION_YEARS = 10  # forms and attachments stay viewable 10 years after transmission


class Submission(Base):
    """A form transmitted on the portal: reference, kind, owner, amount and current status.

    ``status``, ``status_reason`` and ``status_at`` mirror the latest event of ``events``
    so that lists need no join; ``viewable_until`` is the end of the 10-year retention.
    """

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("portal_users.id", ondelete="CASCADE"), index=True
    )
    siret: Mapped[str | None] = mapped_column(String(14), nullable=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    transmitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    viewable_until: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    events: Mapped[list[SubmissionEvent]] = relationship(
        back_populates="submission",
        order_by="SubmissionEvent.id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class SubmissionEvent(Base):
    """One status change, with its date and, for a rejection or a suspension, the reason.

    ``(submission_id, status, occurred_at)`` is unique: the portal may resend an event.
    """

    __tablename__ = "submission_events"
    __table_args__ = (
        UniqueConstraint("submission_id", "status", "occurred_at", name="uq_submission_event"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    submission: Mapped[Submission] = relationship(back_populates="events")

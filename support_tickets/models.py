"""ORM models of the support desk: tickets, their messages and audit events, incidents that
group similar tickets, agents and their sessions, canned responses, the outbox of e-mails, and
the per-year ticket counter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, as_utc

__all__ = ["as_utc", "utcnow"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TicketCounter(Base):
    """Last ticket number given in a year (numbers are ``SUP-<year>-<value:06d>``)."""

    __tablename__ = "support_ticket_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Agent(Base):
    """A support agent or supervisor who logs in to the console."""

    __tablename__ = "support_agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


class AgentSession(Base):
    """A console session: the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "support_agent_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("support_agents.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    agent: Mapped[Agent] = relationship(lazy="joined")


class Incident(Base):
    """One problem reported by many users: their similar tickets, grouped, answered at once
    (see :mod:`support_tickets.incidents`)."""

    __tablename__ = "support_incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="ouvert", index=True)
    description: Mapped[str] = mapped_column(Text)  # the first ticket's, compared with new ones
    ticket_count: Mapped[int] = mapped_column(Integer, default=0)
    requester_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_ticket_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_ticket_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    last_reply: Mapped[str | None] = mapped_column(Text)
    last_reply_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_reply_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_agents.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    last_reply_agent: Mapped[Agent | None] = relationship(lazy="joined")


class Ticket(Base):
    """A support request, from the chat or the web form, with what the assistant knew."""

    __tablename__ = "support_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(24), default="nouveau", index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normale", index=True)
    suggested_priority: Mapped[str] = mapped_column(String(16), default="normale")
    priority_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(24), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    description: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    identity: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    identity_sub: Mapped[str | None] = mapped_column(String(128), index=True)
    requester_name: Mapped[str | None] = mapped_column(String(200))
    chat_session_id: Mapped[str | None] = mapped_column(String(128), index=True)
    intent: Mapped[str | None] = mapped_column(String(64))
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    kb_candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    page: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16), default="chat")
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_agents.id", ondelete="SET NULL"), index=True
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_tickets.id", ondelete="SET NULL")
    )
    duplicate_score: Mapped[float | None] = mapped_column(Float)
    duplicate_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_tickets.id", ondelete="SET NULL")
    )
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_incidents.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), index=True
    )
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_response_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_due: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_due: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    assignee: Mapped[Agent | None] = relationship(lazy="joined")
    incident: Mapped[Incident | None] = relationship(lazy="select")
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )


class TicketMessage(Base):
    """A message of a ticket: the chat transcript (user/bot turns before the ticket), the
    requester's messages, agents' public replies and internal notes."""

    __tablename__ = "support_ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("support_tickets.id", ondelete="CASCADE"), index=True
    )
    author_type: Mapped[str] = mapped_column(String(8))  # user, bot, agent
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_agents.id", ondelete="SET NULL")
    )
    visibility: Mapped[str] = mapped_column(String(8), default="public")  # public, internal
    in_transcript: Mapped[bool] = mapped_column(Boolean, default=False)
    origin_number: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    agent: Mapped[Agent | None] = relationship(lazy="joined")


class TicketEvent(Base):
    """Audit log: who changed what on a ticket, and when."""

    __tablename__ = "support_ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("support_tickets.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(254))
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_agents.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class CannedResponse(Base):
    """A reply template in French; variables in braces, e.g. ``{prenom}``, ``{numero_ticket}``."""

    __tablename__ = "support_canned_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(24))


class OutboxMessage(Base):
    """An e-mail to the requester: sent by SMTP when configured, else kept as the record."""

    __tablename__ = "support_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_tickets.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # pending, sent, failed or recorded (no SMTP configured: the row is the record).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class GapResolution(Base):
    """A content gap marked « traitée »: the entry that now answers it, and what the group was
    (its questions and the mean of their unit embeddings) so that later groups match it
    (:mod:`support_tickets.gaps`)."""

    __tablename__ = "gap_resolutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(200))
    central_question: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[str]] = mapped_column(JSON)
    question_count: Mapped[int] = mapped_column(Integer)
    embedder: Mapped[str] = mapped_column(String(300))
    mean_vector: Mapped[list[float]] = mapped_column(JSON)
    # No foreign key: this table's migration branch does not hold the agents' table.
    marked_by_id: Mapped[int | None] = mapped_column(Integer)
    marked_by: Mapped[str] = mapped_column(String(200))
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

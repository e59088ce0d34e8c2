"""The requester's side of a ticket: finding it (only one's own), writing on it, and reading
the agents' public replies in the chat it came from."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from support_tickets.config import get_support_settings
from support_tickets.errors import TicketNotFoundError
from support_tickets.events import ACTOR_REQUESTER, record_event, set_status
from support_tickets.models import Ticket, TicketMessage
from support_tickets.numbering import normalise_number
from support_tickets.state_machine import status_after_user_message
from support_tickets.taxonomy import STATUS_RESOLVED
from support_tickets.validation import is_row_id, validate_text


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    """The ticket ``ticket_id``; raises :class:`TicketNotFoundError` if there is none (an id
    out of the database's range is not even looked up: the database would refuse it)."""
    ticket = session.get(Ticket, ticket_id) if is_row_id(ticket_id) else None
    if ticket is None:
        raise TicketNotFoundError("Ce ticket n'existe pas.")
    return ticket


def get_ticket_by_number(session: Session, number: str) -> Ticket | None:
    """The ticket with this number, written in any usual way (« sup 2026 42 »)."""
    normalised = normalise_number(number)
    if normalised is None:
        return None
    return session.scalars(select(Ticket).where(Ticket.number == normalised)).first()


def find_ticket_for_requester(
    session: Session,
    *,
    number: str,
    email: str | None = None,
    identity_sub: str | None = None,
) -> Ticket | None:
    """The ticket ``number`` if it belongs to the caller (same e-mail, case-insensitive, or same
    identity); None otherwise, so that nobody learns whether someone else's ticket exists."""
    ticket = get_ticket_by_number(session, number)
    if ticket is None:
        return None
    if identity_sub and ticket.identity_sub and ticket.identity_sub == str(identity_sub):
        return ticket
    if email and ticket.email == email.strip().lower():
        return ticket
    return None


def tickets_for_identity(session: Session, identity_sub: str, limit: int = 5) -> list[Ticket]:
    """The identified user's latest tickets, newest first."""
    query = (
        select(Ticket)
        .where(Ticket.identity_sub == str(identity_sub))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def add_user_message(session: Session, ticket: Ticket, text: str) -> None:
    """Add the requester's message; a ticket waiting for them or resolved goes back to « en
    cours ». Raises :class:`InvalidTransitionError` on a closed ticket."""
    settings = get_support_settings()
    body = validate_text(text, settings, "Le message")
    target = status_after_user_message(ticket.status)
    try:
        ticket.messages.append(TicketMessage(author_type="user", visibility="public", body=body))
        record_event(ticket, kind="message_usager", actor=ACTOR_REQUESTER)
        if target != ticket.status:
            if ticket.status == STATUS_RESOLVED:
                record_event(ticket, kind="reouverture", actor=ACTOR_REQUESTER)
            set_status(ticket, target, actor=ACTOR_REQUESTER, agent=None)
        session.commit()
    except Exception:
        session.rollback()
        raise


def _public_replies_filter(chat_session_id: str) -> tuple[ColumnElement[bool], ...]:
    """The agents' public replies on the tickets created from this chat session and on the
    tickets they were merged into."""
    own = select(Ticket.id).where(Ticket.chat_session_id == chat_session_id)
    merged_into = select(Ticket.merged_into_id).where(
        Ticket.chat_session_id == chat_session_id, Ticket.merged_into_id.is_not(None)
    )
    return (
        TicketMessage.author_type == "agent",
        TicketMessage.visibility == "public",
        TicketMessage.in_transcript.is_(False),
        or_(TicketMessage.ticket_id.in_(own), TicketMessage.ticket_id.in_(merged_into)),
    )


def public_replies_for_chat_session(
    session: Session, chat_session_id: str, since_id: int | None = None
) -> list[TicketMessage]:
    """Agents' public replies on the tickets created from this chat session (and on the
    tickets they were merged into), oldest first, after message ``since_id``."""
    query = (
        select(TicketMessage)
        .where(*_public_replies_filter(chat_session_id))
        .order_by(TicketMessage.id)
    )
    if since_id is not None:
        query = query.where(TicketMessage.id > since_id)
    return list(session.scalars(query))


def has_public_replies_for_chat_session(session: Session, chat_session_id: str) -> bool:
    """Whether :func:`public_replies_for_chat_session` has any reply, asked for one id: the
    chat asks it at every turn, and loading no message (with its agent, joined) costs a
    tenth of the web app's CPU per message under load (BENCHMARKS.md, session 11)."""
    query = select(TicketMessage.id).where(*_public_replies_filter(chat_session_id)).limit(1)
    return session.scalar(query) is not None

"""The support desk's service: creating a ticket, and the one import of every operation.

A new ticket is validated (:class:`~support_tickets.schemas.TicketCreate`), compared with the
requester's open tickets (duplicates), given a suggested priority, SLA deadlines and a number,
stored with its chat transcript, grouped with other requesters' similar tickets into an
incident (:mod:`support_tickets.incidents`), and acknowledged by e-mail (outbox).

Every function takes a SQLAlchemy ``Session`` first, keyword arguments after, and commits
itself. Requester side (the contract used by the chat actions and the ``/support`` form):
:func:`create_ticket` (see also :func:`support_tickets.from_chat.create_ticket_from_chat`),
:func:`find_ticket_for_requester`, :func:`tickets_for_identity`, :func:`add_user_message`,
:func:`public_replies_for_chat_session`, :func:`has_public_replies_for_chat_session`,
:func:`status_label` (module ``requester``);
the chat's live exchange with a ticket: :func:`live_ticket_for_chat`, :func:`leave_exchange`
(module ``live_exchange``).
Agent side: :func:`reply_to_ticket`, :func:`add_internal_note`, :func:`assign_ticket`,
:func:`change_status`, :func:`change_priority`, :func:`merge_tickets` (``agent_actions``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from portal.conversations.redaction import redact
from support_tickets import outbox
from support_tickets.agent_actions import (
    add_internal_note,
    assign_ticket,
    change_priority,
    change_status,
    merge_tickets,
    reply_to_ticket,
)
from support_tickets.config import SupportSettings, get_support_settings
from support_tickets.duplicates import Duplicate, best_duplicate, find_candidates
from support_tickets.events import ACTOR_REQUESTER, ACTOR_SYSTEM, record_event
from support_tickets.incidents import group_on_arrival
from support_tickets.labels import describe, status_label
from support_tickets.live_exchange import (
    leave_exchange,
    live_ticket_for_chat,
    tickets_with_new_user_message,
)
from support_tickets.models import Ticket, utcnow
from support_tickets.numbering import next_number
from support_tickets.priority import current_priority_suggestion, suggest_priority
from support_tickets.requester import (
    add_user_message,
    find_ticket_for_requester,
    get_ticket,
    get_ticket_by_number,
    has_public_replies_for_chat_session,
    public_replies_for_chat_session,
    tickets_for_identity,
)
from support_tickets.schemas import TicketCreate
from support_tickets.similarity import get_similarity
from support_tickets.sla import deadlines, waited_business_hours
from support_tickets.taxonomy import STATUS_NEW
from support_tickets.transcript_messages import transcript_messages
from support_tickets.validation import (
    clip_page,
    validate_category,
    validate_description,
    validate_email,
    validate_reference,
)

__all__ = [
    "add_internal_note",
    "add_user_message",
    "assign_ticket",
    "change_priority",
    "change_status",
    "create_ticket",
    "current_priority_suggestion",
    "describe",
    "find_duplicate",
    "find_ticket_for_requester",
    "get_similarity",
    "get_support_settings",
    "get_ticket",
    "get_ticket_by_number",
    "leave_exchange",
    "live_ticket_for_chat",
    "merge_tickets",
    "has_public_replies_for_chat_session",
    "public_replies_for_chat_session",
    "record_event",
    "reply_to_ticket",
    "status_label",
    "store_ticket",
    "tickets_for_identity",
    "tickets_with_new_user_message",
    "validate_category",
    "validate_description",
    "validate_email",
    "validate_reference",
    "waited_business_hours",
]

logger = logging.getLogger(__name__)


def find_duplicate(
    session: Session,
    *,
    email: str,
    identity_sub: str | None,
    reference: str | None,
    description: str,
    settings: SupportSettings | None = None,
    exclude_id: int | None = None,
) -> tuple[Ticket | None, float, list[str]]:
    """The open ticket a new request most probably duplicates, its similarity and why
    (rules in :mod:`support_tickets.duplicates`); ``(None, 0.0, [])`` when there is none.

    The similarity (an embedder, loaded on first use) is only asked for when the requester
    or the reference has recent open tickets.
    """
    settings = settings or get_support_settings()
    candidates = find_candidates(
        session,
        email=email,
        identity_sub=identity_sub,
        reference=reference,
        settings=settings,
        exclude_id=exclude_id,
    )
    if not candidates:
        return None, 0.0, []
    found = best_duplicate(candidates, description, similarity=get_similarity(), settings=settings)
    return found.ticket, found.score, found.reasons


def create_ticket(
    session: Session,
    *,
    email: str,
    category: str,
    description: str,
    reference: str | None = None,
    identity: dict[str, Any] | None = None,
    chat_session_id: str | None = None,
    transcript: list[dict[str, Any]] | None = None,
    intent: str | None = None,
    intent_confidence: float | None = None,
    kb_candidates: list[dict[str, Any]] | None = None,
    page: str | None = None,
    channel: str = "chat",
) -> Ticket:
    """Validate and store a new ticket with its context; returns it with its number.

    Raises:
        TicketValidationError: a field is invalid (French message, ``field`` names it).
    """
    request = TicketCreate.validated(
        email=email,
        category=category,
        description=description,
        reference=reference,
        identity=identity,
        chat_session_id=chat_session_id,
        page=page,
        channel=channel,
        intent=intent,
        intent_confidence=intent_confidence,
    )
    return store_ticket(session, request, transcript=transcript, kb_candidates=kb_candidates)


def _new_ticket(
    request: TicketCreate,
    *,
    number: str,
    now: dt.datetime,
    priority: tuple[str, list[str]],
    due: tuple[dt.datetime, dt.datetime],
) -> Ticket:
    level, reasons = priority
    first_due, resolution_due = due
    return Ticket(
        number=number,
        status=STATUS_NEW,
        priority=level,
        suggested_priority=level,
        priority_reasons=reasons,
        category=request.category,
        email=request.email,
        description=request.description,
        reference=request.reference,
        identity=request.identity,
        identity_sub=request.identity_sub,
        requester_name=request.requester_name,
        chat_session_id=request.chat_session_id,
        intent=request.intent,
        intent_confidence=request.intent_confidence,
        page=clip_page(request.page),
        channel=request.channel,
        created_at=now,
        updated_at=now,
        first_response_due=first_due,
        resolution_due=resolution_due,
    )


def _record_creation(ticket: Ticket, duplicate: Duplicate) -> None:
    record_event(
        ticket,
        kind="creation",
        actor=ACTOR_REQUESTER,
        detail={"canal": ticket.channel, "priorite_suggeree": ticket.priority},
    )
    if duplicate.ticket is None:
        return
    ticket.duplicate_of_id = duplicate.ticket.id
    ticket.duplicate_score = duplicate.score
    ticket.duplicate_reasons = duplicate.reasons
    record_event(
        ticket,
        kind="doublon",
        actor=ACTOR_SYSTEM,
        detail={"ticket": duplicate.ticket.number, "raisons": duplicate.reasons},
    )


def store_ticket(
    session: Session,
    request: TicketCreate,
    *,
    transcript: list[dict[str, Any]] | None = None,
    kb_candidates: list[dict[str, Any]] | None = None,
) -> Ticket:
    """Store a validated request as a new ticket, with its transcript and knowledge-base
    candidates, and queue the acknowledgement e-mail; returns it with its number."""
    settings = get_support_settings()
    # Personal data typed in the description is redacted like the chat (issue 15): the ticket
    # keeps only the contact e-mail, in its own field.
    request = request.model_copy(update={"description": redact(request.description)})
    duplicate = Duplicate(
        *find_duplicate(
            session,
            email=request.email,
            identity_sub=request.identity_sub,
            reference=request.reference,
            description=request.description,
            settings=settings,
        )
    )
    priority = suggest_priority(request.category, request.description)
    now = utcnow()
    due = deadlines(now, priority[0], settings)
    try:
        number = next_number(session, now.year)  # first write: takes the lock (see numbering)
        ticket = _new_ticket(request, number=number, now=now, priority=priority, due=due)
        ticket.kb_candidates = kb_candidates or None
        ticket.messages.extend(transcript_messages(transcript))
        _record_creation(ticket, duplicate)
        session.add(ticket)
        session.flush()
        group_on_arrival(session, settings=settings)
        outbox.enqueue(
            session,
            ticket=ticket,
            subject=f"[{ticket.number}] Votre demande a bien été reçue",
            body=outbox.acknowledgement_body(ticket),
            settings=settings,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    logger.info(
        "tickets.created number=%s category=%s priority=%s duplicate_of=%s",
        ticket.number,
        ticket.category,
        ticket.priority,
        duplicate.ticket.number if duplicate.ticket else None,
    )
    return ticket

"""What agents do on a ticket: reply, note, assign, change the status or the priority, merge a
duplicate. Each takes the SQLAlchemy ``Session`` first and commits itself; a refused change
raises a :class:`TicketError` with a French message and writes nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from support_tickets import canned, outbox
from support_tickets.config import get_support_settings
from support_tickets.errors import TicketValidationError
from support_tickets.events import actor_name, record_event, set_status
from support_tickets.live_exchange import notify_chats
from support_tickets.models import Agent, Ticket, TicketMessage, as_utc, utcnow
from support_tickets.sla import deadlines
from support_tickets.state_machine import check_transition
from support_tickets.taxonomy import (
    PRIORITIES,
    PRIORITY_LABELS,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
)
from support_tickets.validation import is_row_id, validate_text

HISTORY_EXCERPT_CHARS = 160  # how much of a reply the ticket's history keeps


def excerpt(text: str, limit: int = HISTORY_EXCERPT_CHARS) -> str:
    """The text on one line, cut at ``limit`` characters with « … »."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _check_reply_status(ticket: Ticket, status: str | None) -> None:
    """Refuse before writing anything: from the status the ticket will have once answered."""
    if status is not None and status != STATUS_IN_PROGRESS:
        check_transition(
            STATUS_IN_PROGRESS if ticket.status == STATUS_NEW else ticket.status, status
        )
    if ticket.status == STATUS_CLOSED:
        check_transition(ticket.status, STATUS_IN_PROGRESS)


def reply_to_ticket(
    session: Session,
    ticket: Ticket,
    *,
    agent: Agent,
    text: str,
    status: str | None = None,
    canned_key: str | None = None,
) -> TicketMessage:
    """A public reply: shown to the requester in the chat, and e-mailed (outbox). Stops the
    first-response timer; a new ticket goes « en cours », then to ``status`` if given."""
    settings = get_support_settings()
    body = validate_text(text, settings, "La réponse")
    _check_reply_status(ticket, status)
    actor = actor_name(agent)
    try:
        template = canned.template_use(session, canned_key, ticket, agent, body)
        message = TicketMessage(
            author_type="agent",
            agent_id=agent.id,
            visibility="public",
            body=body,
            meta=template or None,
        )
        ticket.messages.append(message)
        if ticket.first_response_at is None:
            ticket.first_response_at = utcnow()
        record_event(
            ticket,
            kind="reponse",
            actor=actor,
            agent=agent,
            detail={"extrait": excerpt(body), **template},
        )
        if ticket.status == STATUS_NEW:
            set_status(ticket, STATUS_IN_PROGRESS, actor=actor, agent=agent)
        if status is not None and status != ticket.status:
            set_status(ticket, status, actor=actor, agent=agent)
        session.flush()
        outbox.enqueue(
            session,
            ticket=ticket,
            subject=f"[{ticket.number}] Réponse du support Chorus Portal Pro",
            body=outbox.reply_body(ticket, body),
            settings=settings,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    notify_chats(session, ticket)  # the open chat shows the reply at once
    return message


def add_internal_note(
    session: Session, ticket: Ticket, *, agent: Agent, text: str
) -> TicketMessage:
    """A note only agents see."""
    body = validate_text(text, get_support_settings(), "La note")
    note = TicketMessage(author_type="agent", agent_id=agent.id, visibility="internal", body=body)
    ticket.messages.append(note)
    record_event(ticket, kind="note", actor=actor_name(agent), agent=agent)
    session.commit()
    return note


def assign_ticket(
    session: Session, ticket: Ticket, *, agent: Agent, assignee_id: int | None
) -> None:
    """Assign the ticket to an active agent (or to nobody with ``None``)."""
    assignee = None
    if assignee_id is not None:
        assignee = session.get(Agent, assignee_id) if is_row_id(assignee_id) else None
        if assignee is None or not assignee.active:
            raise TicketValidationError("Cet agent n'existe pas ou n'est plus actif.", "assignee")
    previous = ticket.assignee.name if ticket.assignee else None
    ticket.assignee_id = assignee.id if assignee else None
    ticket.assignee = assignee
    record_event(
        ticket,
        kind="assignation",
        actor=actor_name(agent),
        agent=agent,
        detail={"de": previous, "vers": assignee.name if assignee else None},
    )
    session.commit()


def change_status(session: Session, ticket: Ticket, *, agent: Agent, status: str) -> None:
    """Move the ticket along the state machine (refused with a French message otherwise)."""
    check_transition(ticket.status, status)
    set_status(ticket, status, actor=actor_name(agent), agent=agent)
    session.commit()
    notify_chats(session, ticket)  # the chat's exchange with the agent may start or end


def change_priority(session: Session, ticket: Ticket, *, agent: Agent, priority: str) -> None:
    """Set the priority; the SLA deadlines follow it."""
    if priority not in PRIORITIES:
        raise TicketValidationError(
            "Priorité inconnue : " + ", ".join(f"« {p} »" for p in PRIORITY_LABELS), "priority"
        )
    if priority == ticket.priority:
        raise TicketValidationError(
            f"Le ticket a déjà la priorité « {PRIORITY_LABELS[priority]} ».", "priority"
        )
    previous = ticket.priority
    ticket.priority = priority
    created = as_utc(ticket.created_at) or utcnow()
    ticket.first_response_due, ticket.resolution_due = deadlines(created, priority)
    record_event(
        ticket,
        kind="priorite",
        actor=actor_name(agent),
        agent=agent,
        detail={"de": previous, "vers": priority},
    )
    session.commit()


def _check_merge(source: Ticket, target: Ticket) -> None:
    if source.id == target.id:
        raise TicketValidationError("Un ticket ne peut pas être fusionné avec lui-même.")
    if source.merged_into_id is not None:
        raise TicketValidationError("Ce ticket a déjà été fusionné.")
    if target.status == STATUS_CLOSED or target.merged_into_id is not None:
        raise TicketValidationError(
            "Le ticket de destination est clos ou fusionné : choisissez un ticket ouvert."
        )


def _merged_copies(source: Ticket) -> list[TicketMessage]:
    """The source's description, then copies of its messages, marked with its number."""
    description = TicketMessage(
        author_type="user",
        visibility="public",
        origin_number=source.number,
        body=source.description,
        meta={"description_fusionnee": True},
        created_at=source.created_at,
    )
    copies = [
        TicketMessage(
            author_type=m.author_type,
            agent_id=m.agent_id,
            visibility=m.visibility,
            in_transcript=m.in_transcript,
            origin_number=m.origin_number or source.number,
            body=m.body,
            meta=m.meta,
            created_at=m.created_at,
        )
        for m in source.messages
    ]
    return [description, *copies]


def merge_tickets(session: Session, *, source: Ticket, target: Ticket, agent: Agent) -> None:
    """Merge ``source`` (a duplicate) into ``target``: the target gets a copy of the source's
    transcript and messages (marked with the source's number); the source keeps its own, is
    closed and points to the target."""
    _check_merge(source, target)
    actor = actor_name(agent)
    try:
        target.messages.extend(_merged_copies(source))
        source.merged_into_id = target.id
        record_event(
            target,
            kind="fusion",
            actor=actor,
            agent=agent,
            detail={"ticket_fusionne": source.number},
        )
        record_event(
            source, kind="fusion", actor=actor, agent=agent, detail={"fusionne_dans": target.number}
        )
        if source.status != STATUS_CLOSED:
            set_status(source, STATUS_CLOSED, actor=actor, agent=agent)
        session.commit()
    except Exception:
        session.rollback()
        raise

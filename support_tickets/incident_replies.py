"""Answering an incident once: every open ticket linked to it gets the reply, through the
path of an individual reply (:func:`~support_tickets.agent_actions.reply_to_ticket`: message
shown in the requester's chat, audit events, e-mail in the outbox, state machine)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from support_tickets.agent_actions import reply_to_ticket
from support_tickets.config import get_support_settings
from support_tickets.errors import TicketError, TicketNotFoundError, TicketValidationError
from support_tickets.incidents import INCIDENT_RESOLVED
from support_tickets.models import Agent, Incident, Ticket, utcnow
from support_tickets.taxonomy import (
    STATUS_AGENT_LABELS,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_RESOLVED,
    STATUS_WAITING_USER,
)
from support_tickets.validation import is_row_id, validate_text

# The statuses an agent may give every ticket with the incident's reply (besides unchanged).
REPLY_STATUSES: tuple[str, ...] = (STATUS_WAITING_USER, STATUS_RESOLVED)


@dataclass(frozen=True)
class IncidentAnswer:
    """How many tickets got the reply, and those refused (number, French reason)."""

    answered: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def get_incident(session: Session, incident_id: int) -> Incident:
    """The incident ``incident_id``; raises :class:`TicketNotFoundError` if there is none."""
    incident = session.get(Incident, incident_id) if is_row_id(incident_id) else None
    if incident is None:
        raise TicketNotFoundError("Cet incident n'existe pas.")
    return incident


def incident_tickets(
    session: Session, incident: Incident, limit: int | None = None
) -> list[Ticket]:
    """The incident's tickets, oldest first."""
    query = (
        select(Ticket)
        .where(Ticket.incident_id == incident.id)
        .order_by(Ticket.created_at, Ticket.id)
        .limit(limit)
    )
    return list(session.scalars(query).unique())


def _open_tickets(session: Session, incident: Incident) -> list[Ticket]:
    """The tickets that can still be answered (a closed or merged one cannot), with their
    messages and events loaded in two queries rather than two per ticket."""
    query = (
        select(Ticket)
        .where(
            Ticket.incident_id == incident.id,
            Ticket.status != STATUS_CLOSED,
            Ticket.merged_into_id.is_(None),
        )
        .order_by(Ticket.created_at, Ticket.id)
        .options(selectinload(Ticket.messages), selectinload(Ticket.events))
    )
    return list(session.scalars(query).unique())


def _target(ticket: Ticket, status: str | None) -> str | None:
    """The status to ask for ``ticket``: none when the reply itself already gives it."""
    after_reply = STATUS_IN_PROGRESS if ticket.status == STATUS_NEW else ticket.status
    return None if status is None or status == after_reply else status


def answer_incident(
    session: Session,
    incident: Incident,
    *,
    agent: Agent,
    text: str,
    status: str | None = None,
) -> IncidentAnswer:
    """Reply ``text`` on every open ticket of the incident, then move each to ``status``
    when given (« en attente de l'usager » or « résolu », checked by the state machine for
    each ticket); « résolu » also resolves the incident. A ticket the state machine refuses
    is skipped and named. Each ticket's reply is committed as it is sent."""
    body = validate_text(text, get_support_settings(), "La réponse")
    if status is not None and status not in REPLY_STATUSES:
        labels = ", ".join(f"« {STATUS_AGENT_LABELS[s]} »" for s in REPLY_STATUSES)
        raise TicketValidationError(f"Statut après la réponse : {labels} ou inchangé.", "status")
    answered, skipped = 0, []
    for ticket in _open_tickets(session, incident):
        try:
            reply_to_ticket(session, ticket, agent=agent, text=body, status=_target(ticket, status))
        except TicketError as exc:
            skipped.append((ticket.number, exc.message))
            continue
        answered += 1
    incident.reply_count += 1
    incident.last_reply, incident.last_reply_at = body, utcnow()
    incident.last_reply_agent_id = agent.id
    if status == STATUS_RESOLVED:
        incident.status, incident.resolved_at = INCIDENT_RESOLVED, utcnow()
    session.commit()
    return IncidentAnswer(answered, skipped)


def list_incidents(session: Session, limit: int) -> list[Incident]:
    """Open incidents first, then the others; the latest report first within each."""
    query = select(Incident).order_by(
        (Incident.status == INCIDENT_RESOLVED).asc(), Incident.last_ticket_at.desc()
    )
    return list(session.scalars(query.limit(limit)).unique())

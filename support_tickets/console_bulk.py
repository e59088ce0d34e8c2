"""Bulk actions of the console's queue: assign several tickets, or change their status.

Each ticket goes through the same agent action as on its own page (the state machine for a
status), in its own transaction: a refused ticket leaves nothing written for it, the others
are applied, and the outcome names every ticket, applied or refused with its French reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from support_tickets import agent_actions
from support_tickets.errors import TicketError, TicketValidationError
from support_tickets.models import Agent, Ticket
from support_tickets.taxonomy import STATUS_AGENT_LABELS
from support_tickets.validation import is_row_id, parse_row_id

MAX_BULK_TICKETS = 200
BULK_ASSIGN = "assigner"
BULK_STATUS = "statut"
BULK_ACTIONS = (BULK_ASSIGN, BULK_STATUS)
NO_TICKET_CHOSEN = "Cochez au moins un ticket de la file."
TOO_MANY_TICKETS = f"Une action groupée porte sur {MAX_BULK_TICKETS} tickets au plus."
UNKNOWN_ACTION = "Choisissez une action groupée : assigner ou changer le statut."
UNKNOWN_AGENT = "Cet agent n'existe pas ou n'est plus actif."
TICKET_GONE = "Ce ticket n'existe plus."


@dataclass
class BulkOutcome:
    """What a bulk action did: the tickets changed, and those refused with their reason."""

    summary: str  # what was asked, in French (« Assignation à Camille Agent »)
    applied: list[str] = field(default_factory=list)  # ticket numbers
    refused: list[tuple[str, str]] = field(default_factory=list)  # (number or id, reason)


def parse_ticket_ids(values: list[str]) -> list[int]:
    """The checked tickets' ids, in order, once each; refused in French when none or too
    many (ids that are not numbers are ignored: they name no ticket)."""
    ids: list[int] = []
    for value in values:
        row_id = parse_row_id(value.strip())
        if row_id is not None and row_id not in ids:
            ids.append(row_id)
    if not ids:
        raise TicketValidationError(NO_TICKET_CHOSEN, "ticket_ids")
    if len(ids) > MAX_BULK_TICKETS:
        raise TicketValidationError(TOO_MANY_TICKETS, "ticket_ids")
    return ids


def _each(
    session: Session, ids: list[int], outcome: BulkOutcome, change: Callable[[Ticket], None]
) -> BulkOutcome:
    for ticket_id in ids:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            outcome.refused.append((f"n° {ticket_id}", TICKET_GONE))
            continue
        number = ticket.number
        try:
            change(ticket)
        except TicketError as exc:
            session.rollback()
            outcome.refused.append((number, exc.message))
        else:
            outcome.applied.append(number)
    return outcome


def _active_agent(session: Session, assignee: str) -> Agent | None:
    """The agent chosen (None: nobody); refused in French if it is no active agent."""
    if not assignee.strip():
        return None
    agent_id = parse_row_id(assignee.strip())
    found = session.get(Agent, agent_id) if agent_id is not None and is_row_id(agent_id) else None
    if found is None or not found.active:
        raise TicketValidationError(UNKNOWN_AGENT, "assignee")
    return found


def bulk_assign(session: Session, ids: list[int], *, agent: Agent, assignee: str) -> BulkOutcome:
    """Assign every ticket of ``ids`` to ``assignee`` (an agent's id, or '' for nobody)."""
    target = _active_agent(session, assignee)
    summary = f"Assignation à {target.name}" if target else "Retrait de l'assignation"
    target_id = target.id if target else None

    def change(ticket: Ticket) -> None:
        agent_actions.assign_ticket(session, ticket, agent=agent, assignee_id=target_id)

    return _each(session, ids, BulkOutcome(summary), change)


def bulk_status(session: Session, ids: list[int], *, agent: Agent, status: str) -> BulkOutcome:
    """Move every ticket of ``ids`` to ``status`` along the state machine."""
    label = STATUS_AGENT_LABELS.get(status, status)
    summary = f"Passage au statut « {label} »"

    def change(ticket: Ticket) -> None:
        agent_actions.change_status(session, ticket, agent=agent, status=status)

    return _each(session, ids, BulkOutcome(summary), change)


def run_bulk(
    session: Session,
    values: list[str],
    *,
    agent: Agent,
    action: str,
    assignee: str = "",
    status: str = "",
) -> BulkOutcome:
    """The bulk ``action`` (``assigner`` or ``statut``) on the checked tickets ``values``."""
    if action not in BULK_ACTIONS:
        raise TicketValidationError(UNKNOWN_ACTION, "action")
    ids = parse_ticket_ids(values)
    if action == BULK_ASSIGN:
        return bulk_assign(session, ids, agent=agent, assignee=assignee)
    return bulk_status(session, ids, agent=agent, status=status)

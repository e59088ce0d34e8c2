"""The audit trail of a ticket: every change appends an event naming who made it."""

from __future__ import annotations

from typing import Any

from support_tickets.models import Agent, Ticket, TicketEvent, utcnow
from support_tickets.taxonomy import STATUS_CLOSED, STATUS_RESOLVED

ACTOR_REQUESTER = "usager"
ACTOR_SYSTEM = "système"


def actor_name(agent: Agent | None) -> str:
    """How an event names its author: the agent, or the requester when there is none."""
    return f"{agent.name} <{agent.email}>" if agent is not None else ACTOR_REQUESTER


def record_event(
    ticket: Ticket,
    *,
    kind: str,
    actor: str,
    agent: Agent | None = None,
    detail: dict[str, Any] | None = None,
) -> TicketEvent:
    """Append an audit event to ``ticket`` (committed with the caller's change)."""
    event = TicketEvent(
        kind=kind, actor=actor, agent_id=agent.id if agent else None, detail=detail or {}
    )
    ticket.events.append(event)
    ticket.updated_at = utcnow()
    return event


def set_status(ticket: Ticket, target: str, *, actor: str, agent: Agent | None) -> None:
    """Move ``ticket`` to ``target`` (already allowed by the state machine), stamp the
    resolution or closing time, and record the change."""
    previous = ticket.status
    ticket.status = target
    now = utcnow()
    if target == STATUS_RESOLVED:
        ticket.resolved_at = now
    elif target == STATUS_CLOSED:
        ticket.closed_at = now
    elif previous == STATUS_RESOLVED:
        ticket.resolved_at = None
    record_event(
        ticket, kind="statut", actor=actor, agent=agent, detail={"de": previous, "vers": target}
    )

"""A ticket's vocabularies in French: for the requester, and for agents' pages and e-mails."""

from __future__ import annotations

from support_tickets.models import Ticket
from support_tickets.taxonomy import (
    CATEGORY_LABELS,
    PRIORITY_LABELS,
    STATUS_AGENT_LABELS,
    STATUS_LABELS,
)


def status_label(ticket: Ticket) -> str:
    """The ticket's status in French, as the requester reads it."""
    return STATUS_LABELS.get(ticket.status, ticket.status)


def describe(ticket: Ticket) -> dict[str, str]:
    """French labels of the ticket's vocabularies (for pages and e-mails)."""
    return {
        "status": STATUS_AGENT_LABELS.get(ticket.status, ticket.status),
        "category": CATEGORY_LABELS.get(ticket.category, ticket.category),
        "priority": PRIORITY_LABELS.get(ticket.priority, ticket.priority),
    }

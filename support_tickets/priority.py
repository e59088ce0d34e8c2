"""Suggested priority of a ticket, from its category, its wording and how long it has waited.

Agents may change the priority; the suggestion and its reasons stay on the ticket so they can
see why it was proposed.
"""

from __future__ import annotations

import datetime as dt
import re

from knowledge_base.text import fold as kb_fold
from support_tickets.config import get_support_settings
from support_tickets.models import Ticket
from support_tickets.sla import waited_business_hours
from support_tickets.taxonomy import PRIORITIES

CATEGORY_BASE_PRIORITY: dict[str, str] = {
    "compte": "normale",
    "memoires": "normale",
    "tic_ticgn": "normale",
    "factures": "normale",
    "suivi": "normale",
    "technique": "haute",
    "autre": "basse",
}

# Folded (lower-case, no accents) patterns. Blocking words raise the priority one level;
# urgency words raise it one more level (capped at « urgente »).
BLOCKING_PATTERNS: tuple[str, ...] = (
    r"\bbloque",
    r"\bimpossible\b",
    r"\bne (?:marche|fonctionne) (?:plus|pas)\b",
    r"\berreur\b",
    r"\bplante\b",
    r"\bpas acces\b",
    r"\bplus acces\b",
    r"\bcompte (?:verrouille|suspendu|desactive)\b",
    r"\brejet",
    r"\bpenalite",
    r"\bimpaye",
    r"\bretard de paiement\b",
)
URGENCY_PATTERNS: tuple[str, ...] = (
    r"\burgen(?:t|te|ce)\b",
    r"\bau plus vite\b",
    r"\bimmediatement\b",
    r"\bdate limite\b",
    r"\bdernier delai\b",
    r"\becheance\b",
    r"\baujourd ?hui\b",
)


def fold(text: str) -> str:
    """The knowledge base's folding (lower-case, accents removed), apostrophes as spaces."""
    return kb_fold(text).replace("'", " ")


def _raise(priority: str, levels: int) -> str:
    index = min(PRIORITIES.index(priority) + levels, len(PRIORITIES) - 1)
    return PRIORITIES[index]


def suggest_priority(
    category: str,
    description: str,
    waited_business_hours: float = 0.0,
    waiting_threshold_hours: float = 16.0,
) -> tuple[str, list[str]]:
    """The suggested priority and its reasons (French, for the console)."""
    priority = CATEGORY_BASE_PRIORITY.get(category, "normale")
    reasons = [f"catégorie : priorité de base « {priority} »"]
    text = fold(description)
    blocking = [p for p in BLOCKING_PATTERNS if re.search(p, text)]
    urgent = [p for p in URGENCY_PATTERNS if re.search(p, text)]
    if blocking:
        priority = _raise(priority, 1)
        reasons.append("la demande décrit un blocage ou une erreur")
    if urgent:
        priority = _raise(priority, 1)
        reasons.append("la demande signale une urgence ou une échéance")
    if waited_business_hours >= waiting_threshold_hours:
        priority = _raise(priority, 1)
        reasons.append(f"sans réponse depuis {waited_business_hours:.0f} h ouvrées")
    return priority, reasons


def current_priority_suggestion(
    ticket: Ticket, now: dt.datetime | None = None
) -> tuple[str, list[str]]:
    """The priority suggested now: category, wording, and how long the ticket has waited."""
    settings = get_support_settings()
    return suggest_priority(
        ticket.category,
        ticket.description,
        waited_business_hours(ticket, now),
        settings.waiting_escalation_hours,
    )

"""The ticket life cycle: nouveau → en cours → en attente de l'usager → résolu → clos.

Agents move tickets along the allowed transitions below; a message from the requester
reopens a resolved ticket and takes a ticket waiting for them back to « en cours ». A closed
ticket is final: the requester opens a new request instead.
"""

from __future__ import annotations

from support_tickets.errors import InvalidTransitionError
from support_tickets.taxonomy import (
    STATUS_AGENT_LABELS,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_RESOLVED,
    STATUS_WAITING_USER,
    STATUSES,
)

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    STATUS_NEW: frozenset(
        {STATUS_IN_PROGRESS, STATUS_WAITING_USER, STATUS_RESOLVED, STATUS_CLOSED}
    ),
    STATUS_IN_PROGRESS: frozenset({STATUS_WAITING_USER, STATUS_RESOLVED, STATUS_CLOSED}),
    STATUS_WAITING_USER: frozenset({STATUS_IN_PROGRESS, STATUS_RESOLVED, STATUS_CLOSED}),
    STATUS_RESOLVED: frozenset({STATUS_IN_PROGRESS, STATUS_CLOSED}),
    STATUS_CLOSED: frozenset(),
}

# Where a message from the requester takes the ticket.
ON_USER_MESSAGE: dict[str, str] = {
    STATUS_NEW: STATUS_NEW,
    STATUS_IN_PROGRESS: STATUS_IN_PROGRESS,
    STATUS_WAITING_USER: STATUS_IN_PROGRESS,
    STATUS_RESOLVED: STATUS_IN_PROGRESS,
}


def check_transition(current: str, target: str) -> None:
    """Raise :class:`InvalidTransitionError` (French message) unless ``current → target`` is
    allowed."""
    if target not in STATUSES:
        raise InvalidTransitionError(f"Le statut « {target} » n'existe pas.")
    if current == target:
        raise InvalidTransitionError(
            f"Le ticket est déjà au statut « {STATUS_AGENT_LABELS[current]} »."
        )
    if target not in ALLOWED_TRANSITIONS[current]:
        allowed = sorted(ALLOWED_TRANSITIONS[current], key=STATUSES.index)
        hint = (
            "Statuts possibles : " + ", ".join(f"« {STATUS_AGENT_LABELS[s]} »" for s in allowed)
            if allowed
            else "Un ticket clos ne change plus de statut."
        )
        raise InvalidTransitionError(
            f"Passage impossible de « {STATUS_AGENT_LABELS[current]} » à "
            f"« {STATUS_AGENT_LABELS[target]} ». {hint}"
        )


def status_after_user_message(current: str) -> str:
    """The status once the requester writes; raises on a closed ticket."""
    if current not in ON_USER_MESSAGE:
        raise InvalidTransitionError(
            "Cette demande est close : elle ne peut plus recevoir de message. "
            "Vous pouvez ouvrir une nouvelle demande auprès du support."
        )
    return ON_USER_MESSAGE[current]


def allowed_targets(current: str) -> list[str]:
    """The statuses an agent may choose from ``current``, in life-cycle order."""
    return sorted(ALLOWED_TRANSITIONS[current], key=STATUSES.index)

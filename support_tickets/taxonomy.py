"""Fixed vocabularies of tickets: categories, statuses, priorities, channels, roles, SLA states,
message authors and visibilities, with their French labels.

Each vocabulary is written once, as a ``Literal`` type (used by the pydantic schemas); its
tuple of values is derived from it with ``get_args``, in the same order.
"""

from __future__ import annotations

from typing import Literal, get_args

Category = Literal["compte", "memoires", "tic_ticgn", "factures", "suivi", "technique", "autre"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
CATEGORY_LABELS: dict[str, str] = {
    "compte": "Compte et accès",
    "memoires": "Mémoires de frais de justice",
    "tic_ticgn": "Remboursement TIC/TICGN",
    "factures": "Factures et dépôt",
    "suivi": "Suivi d'un formulaire transmis",
    "technique": "Problème technique",
    "autre": "Autre demande",
}

Status = Literal["nouveau", "en_cours", "en_attente_usager", "resolu", "clos"]
STATUSES: tuple[Status, ...] = get_args(Status)
STATUS_NEW: Status = "nouveau"
STATUS_IN_PROGRESS: Status = "en_cours"
STATUS_WAITING_USER: Status = "en_attente_usager"
STATUS_RESOLVED: Status = "resolu"
STATUS_CLOSED: Status = "clos"
STATUS_LABELS: dict[str, str] = {
    STATUS_NEW: "Nouveau",
    STATUS_IN_PROGRESS: "En cours de traitement",
    STATUS_WAITING_USER: "En attente de votre réponse",
    STATUS_RESOLVED: "Résolu",
    STATUS_CLOSED: "Clos",
}
# How agents read the statuses in the console (the user-side labels speak to the user).
STATUS_AGENT_LABELS: dict[str, str] = {
    STATUS_NEW: "Nouveau",
    STATUS_IN_PROGRESS: "En cours",
    STATUS_WAITING_USER: "En attente de l'usager",
    STATUS_RESOLVED: "Résolu",
    STATUS_CLOSED: "Clos",
}
OPEN_STATUSES: tuple[Status, ...] = (STATUS_NEW, STATUS_IN_PROGRESS, STATUS_WAITING_USER)

Priority = Literal["basse", "normale", "haute", "urgente"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
PRIORITY_LABELS: dict[str, str] = {
    "basse": "Basse",
    "normale": "Normale",
    "haute": "Haute",
    "urgente": "Urgente",
}
PRIORITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(PRIORITIES)}

Role = Literal["agent", "supervisor"]
ROLES: tuple[Role, ...] = get_args(Role)
ROLE_AGENT: Role = "agent"
ROLE_SUPERVISOR: Role = "supervisor"
ROLE_LABELS: dict[str, str] = {ROLE_AGENT: "Agent", ROLE_SUPERVISOR: "Superviseur"}

Channel = Literal["chat", "web"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)
CHANNEL_CHAT: Channel = "chat"
CHANNEL_WEB: Channel = "web"
CHANNEL_LABELS: dict[str, str] = {
    CHANNEL_CHAT: "Assistant (conversation)",
    CHANNEL_WEB: "Formulaire web",
}

SlaState = Literal["ok", "a_risque", "depasse"]
SLA_STATES: tuple[SlaState, ...] = get_args(SlaState)
SLA_OK: SlaState = "ok"
SLA_AT_RISK: SlaState = "a_risque"
SLA_BREACHED: SlaState = "depasse"
SLA_LABELS: dict[str, str] = {
    SLA_OK: "Dans les délais",
    SLA_AT_RISK: "Échéance proche",
    SLA_BREACHED: "Délai dépassé",
}

# Who wrote a message of a ticket, and who may read it.
AuthorType = Literal["user", "bot", "agent"]
AUTHOR_TYPES: tuple[AuthorType, ...] = get_args(AuthorType)
Visibility = Literal["public", "internal"]
VISIBILITIES: tuple[Visibility, ...] = get_args(Visibility)

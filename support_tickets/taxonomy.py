"""Fixed vocabularies of tickets: categories, statuses, priorities, roles, French labels."""

from __future__ import annotations

CATEGORY_LABELS: dict[str, str] = {
    "compte": "Compte et accès",
    "memoires": "Mémoires de frais de justice",
    "tic_ticgn": "Remboursement TIC/TICGN",
    "factures": "Factures et dépôt",
    "suivi": "Suivi d'un formulaire transmis",
    "technique": "Problème technique",
    "autre": "Autre demande",
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_LABELS)

STATUS_NEW = "nouveau"
STATUS_IN_PROGRESS = "en_cours"
STATUS_WAITING_USER = "en_attente_usager"
STATUS_RESOLVED = "resolu"
STATUS_CLOSED = "clos"
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
STATUSES: tuple[str, ...] = tuple(STATUS_LABELS)
OPEN_STATUSES: tuple[str, ...] = (STATUS_NEW, STATUS_IN_PROGRESS, STATUS_WAITING_USER)

PRIORITY_LABELS: dict[str, str] = {
    "basse": "Basse",
    "normale": "Normale",
    "haute": "Haute",
    "urgente": "Urgente",
}
PRIORITIES: tuple[str, ...] = tuple(PRIORITY_LABELS)
PRIORITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(PRIORITIES)}

ROLE_AGENT = "agent"
ROLE_SUPERVISOR = "supervisor"
ROLE_LABELS: dict[str, str] = {ROLE_AGENT: "Agent", ROLE_SUPERVISOR: "Superviseur"}

CHANNEL_LABELS: dict[str, str] = {"chat": "Assistant (conversation)", "web": "Formulaire web"}

SLA_OK = "ok"
SLA_AT_RISK = "a_risque"
SLA_BREACHED = "depasse"
SLA_LABELS: dict[str, str] = {
    SLA_OK: "Dans les délais",
    SLA_AT_RISK: "Échéance proche",
    SLA_BREACHED: "Délai dépassé",
}

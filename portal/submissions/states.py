"""Kinds of submission, statuses, and the allowed status transitions (the state machine)."""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    MEMOIRE_JUSTICE = "memoire_justice"
    REMBOURSEMENT_TIC_TICGN = "remboursement_tic_ticgn"
    FACTURE = "facture"
    AVOIR = "avoir"


KIND_LABELS: dict[Kind, str] = {
    Kind.MEMOIRE_JUSTICE: "mémoire de frais de justice",
    Kind.REMBOURSEMENT_TIC_TICGN: "demande de remboursement de la TIC/TICGN",
    Kind.FACTURE: "facture",
    Kind.AVOIR: "avoir",
}

# Grammatical gender of each kind, for « votre mémoire … transmis » / « votre facture … transmise ».
FEMININE_KINDS = frozenset({Kind.REMBOURSEMENT_TIC_TICGN, Kind.FACTURE})


class Status(enum.StrEnum):
    TRANSMIS = "transmis"
    RECU = "recu"
    EN_COURS = "en_cours"
    VALIDE = "valide"
    REJETE = "rejete"
    SUSPENDU = "suspendu"
    MIS_EN_PAIEMENT = "mis_en_paiement"
    PAYE = "paye"


STATUS_LABELS: dict[Status, str] = {
    Status.TRANSMIS: "transmis",
    Status.RECU: "reçu",
    Status.EN_COURS: "en cours de traitement",
    Status.VALIDE: "validé",
    Status.REJETE: "rejeté",
    Status.SUSPENDU: "suspendu",
    Status.MIS_EN_PAIEMENT: "mis en paiement",
    Status.PAYE: "payé",
}

INITIAL_STATUS = Status.TRANSMIS
REASON_REQUIRED = frozenset({Status.REJETE, Status.SUSPENDU})
FINAL_STATUSES = frozenset({Status.REJETE, Status.PAYE})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.TRANSMIS: frozenset({Status.RECU}),
    Status.RECU: frozenset({Status.EN_COURS, Status.SUSPENDU, Status.REJETE}),
    Status.EN_COURS: frozenset({Status.VALIDE, Status.SUSPENDU, Status.REJETE}),
    Status.SUSPENDU: frozenset({Status.EN_COURS, Status.REJETE}),
    Status.VALIDE: frozenset({Status.MIS_EN_PAIEMENT}),
    Status.MIS_EN_PAIEMENT: frozenset({Status.PAYE}),
    Status.REJETE: frozenset(),
    Status.PAYE: frozenset(),
}


class TransitionError(ValueError):
    """A status change the state machine refuses; ``message`` is French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_transition(
    current: Status,
    new: Status,
    reason: str | None,  # pragma: no mutate (annotation)
) -> None:
    """Raise :class:`TransitionError` unless ``current`` → ``new`` is allowed."""
    if new in REASON_REQUIRED and not (reason and reason.strip()):
        raise TransitionError(f"Un motif est obligatoire pour le statut « {STATUS_LABELS[new]} ».")
    if new in TRANSITIONS[current]:
        return
    if current in FINAL_STATUSES:
        raise TransitionError(
            f"Le formulaire est au statut final « {STATUS_LABELS[current]} » : "
            "son statut ne peut plus changer."
        )
    allowed = " ou ".join(f"« {STATUS_LABELS[s]} »" for s in sorted(TRANSITIONS[current]))
    raise TransitionError(
        f"Passage du statut « {STATUS_LABELS[current]} » au statut « {STATUS_LABELS[new]} » "
        f"impossible : depuis « {STATUS_LABELS[current]} », seuls {allowed} sont possibles."
    )

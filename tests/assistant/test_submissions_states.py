"""The status state machine: allowed transitions, refusals explained in French, reasons."""

from __future__ import annotations

import pytest

from assistant.submissions.states import (
    FINAL_STATUSES,
    STATUS_LABELS,
    TRANSITIONS,
    Status,
    TransitionError,
    check_transition,
)

HAPPY_PATH = [
    Status.TRANSMIS,
    Status.RECU,
    Status.EN_COURS,
    Status.VALIDE,
    Status.MIS_EN_PAIEMENT,
    Status.PAYE,
]


def test_submissions_states_happy_path_is_allowed() -> None:
    for current, new in zip(HAPPY_PATH, HAPPY_PATH[1:], strict=False):
        check_transition(current, new, None)


def test_submissions_states_suspension_then_resume() -> None:
    check_transition(Status.EN_COURS, Status.SUSPENDU, "pièce manquante")
    check_transition(Status.SUSPENDU, Status.EN_COURS, None)
    check_transition(Status.SUSPENDU, Status.REJETE, "aucune réponse")


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (Status.TRANSMIS, Status.PAYE),
        (Status.RECU, Status.VALIDE),
        (Status.VALIDE, Status.EN_COURS),
        (Status.SUSPENDU, Status.VALIDE),
        (Status.MIS_EN_PAIEMENT, Status.VALIDE),
    ],
)
def test_submissions_states_invalid_transition_is_explained(current: Status, new: Status) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(current, new, "motif")
    message = caught.value.message
    assert f"« {STATUS_LABELS[current]} »" in message and f"« {STATUS_LABELS[new]} »" in message
    assert "impossible" in message


@pytest.mark.parametrize("final", sorted(FINAL_STATUSES))
def test_submissions_states_final_statuses_cannot_change(final: Status) -> None:
    assert TRANSITIONS[final] == frozenset()
    with pytest.raises(TransitionError) as caught:
        check_transition(final, Status.EN_COURS, None)
    assert "statut final" in caught.value.message


@pytest.mark.parametrize("status", [Status.REJETE, Status.SUSPENDU])
def test_submissions_states_reason_required(status: Status) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(Status.EN_COURS, status, "  ")
    assert caught.value.message.startswith("Un motif est obligatoire")


def test_submissions_states_every_status_reachable_from_transmis() -> None:
    seen, todo = {Status.TRANSMIS}, [Status.TRANSMIS]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(Status)

"""The submission status state machine, cell by cell: every (current, new) pair of the eight
statuses, with and without a reason, is checked against a table written out by hand below
(allowed transitions, statuses that need a reason, final statuses), never read from the
product, so that a change of the product's table fails a named test."""

from __future__ import annotations

import pytest

from portal.submissions.states import (
    INITIAL_STATUS,
    TRANSITIONS,
    Status,
    TransitionError,
    check_transition,
)

# The expected statuses and their French labels, written by hand.
LABELS: dict[str, str] = {
    "transmis": "transmis",
    "recu": "reçu",
    "en_cours": "en cours de traitement",
    "valide": "validé",
    "rejete": "rejeté",
    "suspendu": "suspendu",
    "mis_en_paiement": "mis en paiement",
    "paye": "payé",
}
STATUS_VALUES: tuple[str, ...] = tuple(LABELS)

ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("transmis", "recu"),
        ("recu", "en_cours"),
        ("recu", "suspendu"),
        ("recu", "rejete"),
        ("en_cours", "valide"),
        ("en_cours", "suspendu"),
        ("en_cours", "rejete"),
        ("suspendu", "en_cours"),
        ("suspendu", "rejete"),
        ("valide", "mis_en_paiement"),
        ("mis_en_paiement", "paye"),
    }
)
REASON_REQUIRED: frozenset[str] = frozenset({"rejete", "suspendu"})
FINAL: frozenset[str] = frozenset({"rejete", "paye"})

# What the refusal lists as possible from each non-final status (alphabetical by value).
POSSIBLE: dict[str, str] = {
    "transmis": "« reçu »",
    "recu": "« en cours de traitement » ou « rejeté » ou « suspendu »",
    "en_cours": "« rejeté » ou « suspendu » ou « validé »",
    "suspendu": "« en cours de traitement » ou « rejeté »",
    "valide": "« mis en paiement »",
    "mis_en_paiement": "« payé »",
}

EVERY_PAIR: list[tuple[str, str]] = [(a, b) for a in STATUS_VALUES for b in STATUS_VALUES]
REFUSED: list[tuple[str, str]] = [pair for pair in EVERY_PAIR if pair not in ALLOWED]
BLANK_REASONS: list[str | None] = [None, "", "   ", "\t\n"]


def _refusal(current: str, new: str) -> str:
    if current in FINAL:
        return (
            f"Le formulaire est au statut final « {LABELS[current]} » : "
            "son statut ne peut plus changer."
        )
    return (
        f"Passage du statut « {LABELS[current]} » au statut « {LABELS[new]} » impossible : "
        f"depuis « {LABELS[current]} », seuls {POSSIBLE[current]} sont possibles."
    )


def test_submissions_states_table_is_complete() -> None:
    """The hand-written table itself: eight statuses, 64 cells, every non-final status has
    somewhere to go and the final ones nowhere."""
    assert {s.value for s in Status} == set(STATUS_VALUES)
    assert len(EVERY_PAIR) == 64 and len(ALLOWED) + len(REFUSED) == 64
    assert {a for a, _ in ALLOWED} == set(STATUS_VALUES) - FINAL
    assert set(POSSIBLE) == set(STATUS_VALUES) - FINAL
    assert INITIAL_STATUS == "transmis"


@pytest.mark.parametrize(("current", "new"), sorted(ALLOWED))
def test_submissions_states_allowed_pair_succeeds_with_reason(current: str, new: str) -> None:
    assert check_transition(Status(current), Status(new), "pièce justificative manquante") is None


@pytest.mark.parametrize(("current", "new"), sorted(ALLOWED))
@pytest.mark.parametrize("reason", BLANK_REASONS)
def test_submissions_states_allowed_pair_without_reason(
    current: str, new: str, reason: str | None
) -> None:
    """Without a reason, only « rejeté » and « suspendu » are refused."""
    if new in REASON_REQUIRED:
        with pytest.raises(TransitionError) as caught:
            check_transition(Status(current), Status(new), reason)
        assert caught.value.message == f"Un motif est obligatoire pour le statut « {LABELS[new]} »."
    else:
        check_transition(Status(current), Status(new), reason)


@pytest.mark.parametrize(("current", "new"), REFUSED)
def test_submissions_states_refused_pair_is_explained(current: str, new: str) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(Status(current), Status(new), "motif")
    assert caught.value.message == _refusal(current, new)
    assert str(caught.value) == caught.value.message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("current", "new"), REFUSED)
def test_submissions_states_refused_pair_without_reason(current: str, new: str) -> None:
    """A missing reason is reported first, whatever the transition."""
    with pytest.raises(TransitionError) as caught:
        check_transition(Status(current), Status(new), None)
    if new in REASON_REQUIRED:
        expected = f"Un motif est obligatoire pour le statut « {LABELS[new]} »."
    else:
        expected = _refusal(current, new)
    assert caught.value.message == expected


@pytest.mark.parametrize("status", STATUS_VALUES)
def test_submissions_states_same_status_is_refused(status: str) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(Status(status), Status(status), "motif")
    assert caught.value.message == _refusal(status, status)


@pytest.mark.parametrize("final", ["paye", "rejete"])
@pytest.mark.parametrize("new", STATUS_VALUES)
def test_submissions_states_final_status_cannot_change(final: str, new: str) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(Status(final), Status(new), "motif")
    assert caught.value.message == (
        f"Le formulaire est au statut final « {LABELS[final]} » : son statut ne peut plus changer."
    )


@pytest.mark.parametrize("status", ["transmis", "recu", "en_cours", "valide", "mis_en_paiement"])
def test_submissions_states_non_final_status_is_not_called_final(status: str) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(Status(status), Status(status), "motif")
    assert "statut final" not in caught.value.message
    assert caught.value.message.endswith("sont possibles.")


@pytest.mark.parametrize("status", ["rejete", "suspendu"])
@pytest.mark.parametrize("reason", BLANK_REASONS)
def test_submissions_states_reason_required(status: str, reason: str | None) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(Status.EN_COURS, Status(status), reason)
    assert caught.value.message == f"Un motif est obligatoire pour le statut « {LABELS[status]} »."


@pytest.mark.parametrize("status", ["rejete", "suspendu"])
def test_submissions_states_reason_with_surrounding_spaces_is_accepted(status: str) -> None:
    check_transition(Status.EN_COURS, Status(status), "  dossier incomplet  ")


def test_submissions_states_happy_path_is_allowed() -> None:
    path = ["transmis", "recu", "en_cours", "valide", "mis_en_paiement", "paye"]
    for current, new in zip(path, path[1:], strict=False):
        check_transition(Status(current), Status(new), None)


def test_submissions_states_suspension_then_resume() -> None:
    check_transition(Status.EN_COURS, Status.SUSPENDU, "pièce manquante")
    check_transition(Status.SUSPENDU, Status.EN_COURS, None)
    check_transition(Status.SUSPENDU, Status.REJETE, "aucune réponse")


@pytest.mark.parametrize("unknown", ["archive", "", "RECU", "payée"])
def test_submissions_states_unknown_status_raises(unknown: str) -> None:
    """An unknown status never converts, and is never accepted as a target or a source."""
    with pytest.raises(ValueError):
        Status(unknown)
    with pytest.raises((KeyError, ValueError)):
        check_transition(Status.EN_COURS, unknown, "motif")  # type: ignore[arg-type]
    with pytest.raises((KeyError, ValueError)):
        check_transition(unknown, Status.EN_COURS, "motif")  # type: ignore[arg-type]


def test_submissions_states_every_status_reachable_from_transmis() -> None:
    seen, todo = {Status.TRANSMIS}, [Status.TRANSMIS]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(Status)

"""The ticket life cycle, cell by cell: every (current, target) pair of the five statuses is
checked against a transition table written out by hand below, never read from the product,
so that a change of the product's table fails a named test."""

from __future__ import annotations

import pytest

from support_tickets.errors import InvalidTransitionError
from support_tickets.state_machine import (
    allowed_targets,
    check_transition,
    status_after_user_message,
)

# The expected life cycle, written by hand (in life-cycle order).
STATUSES: tuple[str, ...] = ("nouveau", "en_cours", "en_attente_usager", "resolu", "clos")

AGENT_LABELS: dict[str, str] = {
    "nouveau": "Nouveau",
    "en_cours": "En cours",
    "en_attente_usager": "En attente de l'usager",
    "resolu": "Résolu",
    "clos": "Clos",
}

# Allowed targets of each status, in the order the console offers them.
EXPECTED_TARGETS: dict[str, list[str]] = {
    "nouveau": ["en_cours", "en_attente_usager", "resolu", "clos"],
    "en_cours": ["en_attente_usager", "resolu", "clos"],
    "en_attente_usager": ["en_cours", "resolu", "clos"],
    "resolu": ["en_cours", "clos"],
    "clos": [],
}

ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("nouveau", "en_cours"),
        ("nouveau", "en_attente_usager"),
        ("nouveau", "resolu"),
        ("nouveau", "clos"),
        ("en_cours", "en_attente_usager"),
        ("en_cours", "resolu"),
        ("en_cours", "clos"),
        ("en_attente_usager", "en_cours"),
        ("en_attente_usager", "resolu"),
        ("en_attente_usager", "clos"),
        ("resolu", "en_cours"),
        ("resolu", "clos"),
    }
)

FORBIDDEN: frozenset[tuple[str, str]] = frozenset(
    {
        ("en_cours", "nouveau"),
        ("en_attente_usager", "nouveau"),
        ("resolu", "nouveau"),
        ("resolu", "en_attente_usager"),
        ("clos", "nouveau"),
        ("clos", "en_cours"),
        ("clos", "en_attente_usager"),
        ("clos", "resolu"),
    }
)

# Where a message from the requester takes the ticket (« clos » refuses the message).
EXPECTED_AFTER_USER_MESSAGE: dict[str, str] = {
    "nouveau": "nouveau",
    "en_cours": "en_cours",
    "en_attente_usager": "en_cours",
    "resolu": "en_cours",
}

UNKNOWN_STATUSES: tuple[str, ...] = ("archive", "", "En_cours", "NOUVEAU", "nouveau ", "ouvert")


def _refusal_message(current: str, target: str) -> str:
    """The French refusal an agent reads, built from the hand-written labels above."""
    targets = EXPECTED_TARGETS[current]
    hint = (
        "Statuts possibles : " + ", ".join(f"« {AGENT_LABELS[s]} »" for s in targets)
        if targets
        else "Un ticket clos ne change plus de statut."
    )
    return f"Passage impossible de « {AGENT_LABELS[current]} » à « {AGENT_LABELS[target]} ». {hint}"


def test_transition_table_covers_every_pair_exactly_once() -> None:
    """The hand-written table itself: allowed, forbidden and same-status pairs partition the
    25 cells, and the allowed pairs agree with the ordered target lists."""
    every_pair = {(a, b) for a in STATUSES for b in STATUSES}
    same = {(s, s) for s in STATUSES}
    assert not ALLOWED & FORBIDDEN
    assert ALLOWED | FORBIDDEN | same == every_pair
    assert len(ALLOWED) + len(FORBIDDEN) + len(same) == 25
    assert {(a, b) for a, targets in EXPECTED_TARGETS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_check_transition_allowed_pair_succeeds(current: str, target: str) -> None:
    assert check_transition(current, target) is None


@pytest.mark.parametrize(("current", "target"), sorted(FORBIDDEN))
def test_check_transition_forbidden_pair_raises_french_message(current: str, target: str) -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition(current, target)
    assert caught.value.message == _refusal_message(current, target)
    assert str(caught.value) == caught.value.message


def test_transition_en_attente_usager_to_nouveau_is_forbidden() -> None:
    """A ticket waiting for the requester never goes back to « Nouveau »."""
    with pytest.raises(InvalidTransitionError, match="Passage impossible"):
        check_transition("en_attente_usager", "nouveau")
    assert "nouveau" not in allowed_targets("en_attente_usager")


def test_transition_resolu_to_en_attente_usager_is_forbidden() -> None:
    """A resolved ticket is reopened « en cours », never put back waiting for the user."""
    with pytest.raises(InvalidTransitionError, match="Passage impossible"):
        check_transition("resolu", "en_attente_usager")
    assert "en_attente_usager" not in allowed_targets("resolu")


def test_transition_clos_to_any_status_is_forbidden() -> None:
    for target in ("nouveau", "en_cours", "en_attente_usager", "resolu"):
        with pytest.raises(InvalidTransitionError, match="Un ticket clos ne change plus"):
            check_transition("clos", target)


@pytest.mark.parametrize("status", STATUSES)
def test_check_transition_same_status_raises(status: str) -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition(status, status)
    assert caught.value.message == f"Le ticket est déjà au statut « {AGENT_LABELS[status]} »."


@pytest.mark.parametrize("status", STATUSES)
def test_check_transition_same_status_from_form_input_raises_already(status: str) -> None:
    """A status typed in a form is a string built at run time, not the interned constant: the
    comparison must be by value (``==``), not by identity (``is``)."""
    from_form = "".join(list(status))  # an equal but distinct string object
    assert from_form == status and from_form is not status
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition(status, from_form)
    assert caught.value.message == f"Le ticket est déjà au statut « {AGENT_LABELS[status]} »."


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("unknown", UNKNOWN_STATUSES)
def test_check_transition_unknown_target_raises(current: str, unknown: str) -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition(current, unknown)
    assert caught.value.message == f"Le statut « {unknown} » n'existe pas."


@pytest.mark.parametrize("unknown", UNKNOWN_STATUSES)
def test_check_transition_unknown_current_raises(unknown: str) -> None:
    """The current status comes from the database; an unknown one is never accepted (the
    product raises a KeyError: an internal inconsistency, not a user error)."""
    with pytest.raises((KeyError, InvalidTransitionError)):
        check_transition(unknown, "en_cours")


@pytest.mark.parametrize("current", STATUSES)
def test_allowed_targets_in_life_cycle_order(current: str) -> None:
    assert allowed_targets(current) == EXPECTED_TARGETS[current]


@pytest.mark.parametrize("current", sorted(EXPECTED_AFTER_USER_MESSAGE))
def test_status_after_user_message_follows_table(current: str) -> None:
    assert status_after_user_message(current) == EXPECTED_AFTER_USER_MESSAGE[current]


def test_status_after_user_message_reopens_resolved_and_wakes_waiting() -> None:
    assert status_after_user_message("resolu") == "en_cours"
    assert status_after_user_message("en_attente_usager") == "en_cours"


@pytest.mark.parametrize("current", ["clos", "archive", ""])
def test_status_after_user_message_closed_or_unknown_raises(current: str) -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        status_after_user_message(current)
    assert caught.value.message == (
        "Cette demande est close : elle ne peut plus recevoir de message. "
        "Vous pouvez ouvrir une nouvelle demande auprès du support."
    )

"""The ticket life cycle: allowed and refused transitions, reopening by the requester."""

from __future__ import annotations

import pytest

from support_tickets.errors import InvalidTransitionError
from support_tickets.state_machine import (
    allowed_targets,
    check_transition,
    status_after_user_message,
)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("nouveau", "en_cours"),
        ("en_cours", "en_attente_usager"),
        ("en_attente_usager", "en_cours"),
        ("en_attente_usager", "resolu"),
        ("resolu", "clos"),
        ("resolu", "en_cours"),
        ("nouveau", "clos"),
    ],
)
def test_check_transition_allows_life_cycle(current: str, target: str) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [("clos", "en_cours"), ("clos", "nouveau"), ("en_cours", "nouveau"), ("resolu", "nouveau")],
)
def test_check_transition_refuses_with_french_message(current: str, target: str) -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition(current, target)
    assert "Passage impossible" in caught.value.message


def test_check_transition_refuses_same_and_unknown_status() -> None:
    with pytest.raises(InvalidTransitionError, match="déjà au statut « En cours »"):
        check_transition("en_cours", "en_cours")
    with pytest.raises(InvalidTransitionError, match="n'existe pas"):
        check_transition("en_cours", "archive")


def test_check_transition_closed_message_says_final() -> None:
    with pytest.raises(InvalidTransitionError, match="Un ticket clos ne change plus"):
        check_transition("clos", "resolu")


def test_status_after_user_message_reopens_resolved_and_wakes_waiting() -> None:
    assert status_after_user_message("resolu") == "en_cours"
    assert status_after_user_message("en_attente_usager") == "en_cours"
    assert status_after_user_message("nouveau") == "nouveau"
    with pytest.raises(InvalidTransitionError, match="close"):
        status_after_user_message("clos")


def test_allowed_targets_in_life_cycle_order() -> None:
    assert allowed_targets("nouveau") == ["en_cours", "en_attente_usager", "resolu", "clos"]
    assert allowed_targets("clos") == []

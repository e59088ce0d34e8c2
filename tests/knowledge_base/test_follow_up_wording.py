"""The wording of a follow-up question (``knowledge_base/follow_up_wording.py``)."""

from __future__ import annotations

import pytest

from knowledge_base.follow_up_wording import is_follow_up


@pytest.mark.parametrize(
    "text",
    [
        "et pour une ETI ?",
        "Et combien de temps ?",
        "et si c'est refusé ?",
        "Mais pour une PME ?",
        "Sinon, par courrier ?",
        "du coup, je dois recommencer ?",
        "Dans ce cas, qui contacter ?",
        "d'accord et après ?",
        "même question pour les sous-traitants",
        # Exactly ten words: still a follow-up.
        "et pour une entreprise de taille intermédiaire installée en Bretagne",
    ],
)
def test_is_follow_up_short_message_with_an_opening(text: str) -> None:
    assert is_follow_up(text)


@pytest.mark.parametrize(
    "text",
    [
        "combien de temps ?",
        "pour une ETI ?",
        "etape suivante ?",
        "Bonjour, et pour une ETI ?",
        "",
        # Eleven words: a question of its own.
        "et pour une entreprise de taille intermédiaire installée en Bretagne du Sud",
        "et comment un expert judiciaire dépose-t-il son mémoire de frais sur le portail ?",
    ],
)
def test_is_follow_up_rejects_other_messages(text: str) -> None:
    assert not is_follow_up(text)


def test_is_follow_up_ignores_punctuation() -> None:
    assert is_follow_up("D'accord, et après ?")
    # ten words, and a spaced question mark that is not a word
    assert is_follow_up("et si la mairie refuse ma facture pour un motif ?")

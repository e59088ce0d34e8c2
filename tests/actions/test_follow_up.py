"""Follow-up questions: the previous question, and the query searched (their wording:
``tests/knowledge_base/test_follow_up_wording.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from actions.follow_up import contextual_query, previous_question

TITLES = {
    "comptes-mot-de-passe-oublie": "J'ai oublié mon mot de passe, que faire ?",
    "reforme-calendrier": "Quand la facturation électronique devient-elle obligatoire ?",
}


def title_of(entry_id: str) -> str | None:
    return TITLES.get(entry_id)


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text}


# --- previous_question ---------------------------------------------------------------


def test_previous_question_is_the_user_message_before_the_latest() -> None:
    events = [
        {"event": "action", "name": "action_listen"},
        user("Quand la facturation électronique devient-elle obligatoire pour une PME ?"),
        bot("Les PME devront émettre des factures électroniques à partir du 1er septembre 2027."),
        user("et pour une ETI ?"),
    ]
    assert previous_question(events, title_of) == (
        "Quand la facturation électronique devient-elle obligatoire pour une PME ?"
    )


def test_previous_question_skips_bot_events_and_takes_the_closest_user_message() -> None:
    events = [
        user("Comment créer mon compte ?"),
        bot("Rendez-vous sur la page d'inscription."),
        user("  Comment déposer un mémoire de frais ?  "),
        bot("Depuis l'espace Frais de justice."),
        bot("Cette réponse vous a-t-elle aidé ?"),
        user("et combien de temps ?"),
    ]
    assert previous_question(events, title_of) == "Comment déposer un mémoire de frais ?"


def test_previous_question_resolves_a_clarification_button_to_its_title() -> None:
    events = [
        user("mot de passe"),
        bot("Vouliez-vous dire…"),
        user('/ask_question{"kb_entry_id":"comptes-mot-de-passe-oublie"}'),
        bot("Cliquez sur « Mot de passe oublié »."),
        user("et si je n'ai plus accès à ma messagerie ?"),
    ]
    assert previous_question(events, title_of) == "J'ai oublié mon mot de passe, que faire ?"


def test_previous_question_skips_a_button_whose_entry_left_the_index() -> None:
    events = [
        user("Comment réinitialiser mon mot de passe ?"),
        bot("Vouliez-vous dire…"),
        user('/ask_question{"kb_entry_id":"entree-supprimee"}'),
        bot("Je n'ai pas trouvé cette entrée."),
        user("et sinon ?"),
    ]
    assert previous_question(events, title_of) == "Comment réinitialiser mon mot de passe ?"


def test_previous_question_skips_other_payloads_and_malformed_buttons() -> None:
    events = [
        user("Où en est mon remboursement de TICPE ?"),
        user("/greet"),
        user("/ask_question{pas du json}"),
        user('/ask_question{"kb_entry_id":""}'),
        user("/ask_question[1]"),
        user("et pour le GNR ?"),
    ]
    assert previous_question(events, title_of) == "Où en est mon remboursement de TICPE ?"


@pytest.mark.parametrize(
    "events",
    [
        [],
        [user("et pour une ETI ?")],
        [bot("Bonjour, je suis l'assistant du portail."), user("et pour une ETI ?")],
        [user("/greet"), user('/ask_question{"kb_entry_id":"inconnue"}'), user("et alors ?")],
        [{"event": "user", "text": None}, user("et alors ?")],
    ],
)
def test_previous_question_empty_when_none(events: list[dict[str, Any]]) -> None:
    assert previous_question(events, title_of) == ""


def test_previous_question_title_function_not_called_for_plain_text() -> None:
    seen: list[str] = []

    def recording_title_of(entry_id: str) -> str | None:
        seen.append(entry_id)
        return TITLES.get(entry_id)

    events = [
        user('/ask_question{"kb_entry_id":"reforme-calendrier"}'),
        user("Qu'est-ce que Chorus Pro ?"),
        user("et pour une ETI ?"),
    ]
    assert previous_question(events, recording_title_of) == "Qu'est-ce que Chorus Pro ?"
    assert seen == []


# --- contextual_query ----------------------------------------------------------------


def test_contextual_query_joins_follow_up_twice_and_previous_question() -> None:
    previous = "Quand la facturation électronique devient-elle obligatoire pour une PME ?"
    assert contextual_query("et pour une ETI ?", previous) == (
        "et pour une ETI ? et pour une ETI ? "
        "Quand la facturation électronique devient-elle obligatoire pour une PME ?"
    )


def test_contextual_query_keeps_a_question_of_its_own() -> None:
    previous = "Comment déposer un mémoire de frais ?"
    assert contextual_query("Comment créer mon compte ?", previous) == "Comment créer mon compte ?"
    long_text = "et comment un expert judiciaire dépose-t-il son mémoire de frais sur le portail ?"
    assert contextual_query(long_text, previous) == long_text


def test_contextual_query_without_previous_question_is_the_text() -> None:
    assert contextual_query("et pour une ETI ?", "") == "et pour une ETI ?"


def test_contextual_query_from_tracker_events_with_a_button() -> None:
    events = [
        user("réforme"),
        bot("Vouliez-vous dire…"),
        user('/ask_question{"kb_entry_id":"reforme-calendrier"}'),
        bot("Le calendrier s'étale de 2026 à 2027."),
        user("et pour une micro-entreprise ?"),
    ]
    previous = previous_question(events, title_of)
    assert contextual_query("et pour une micro-entreprise ?", previous) == (
        "et pour une micro-entreprise ? et pour une micro-entreprise ? "
        "Quand la facturation électronique devient-elle obligatoire ?"
    )

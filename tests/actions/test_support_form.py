"""The support form: validation of each answer, the category question and the summary with
« Envoyer » / « Modifier » / « Annuler »."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import support_form
from actions.support_context import (
    CATEGORY_SLOT,
    CONFIRM_SEND,
    CONFIRMATION_SLOT,
    DESCRIPTION_SLOT,
    EMAIL_SLOT,
    FORM_SLOTS,
    NO_REFERENCE,
    REFERENCE_SLOT,
    identity_email,
)
from support_tickets.taxonomy import CATEGORY_LABELS
from tests.actions.support_helpers import (
    identity_metadata,
    make_tracker,
)

pytestmark = pytest.mark.usefixtures("support_database", "lexical_similarity")


# --- validation of the support form ------------------------------------------------------


async def test_validate_support_form_required_slots_anonymous_asks_email() -> None:
    slots = await support_form.ValidateSupportForm().required_slots(
        [], CollectingDispatcher(), make_tracker(), {}
    )
    assert slots == list(FORM_SLOTS)


async def test_validate_support_form_required_slots_identified_skips_email() -> None:
    tracker = make_tracker(metadata=identity_metadata("user-1", "camille@exemple.fr"))
    slots = await support_form.ValidateSupportForm().required_slots(
        [], CollectingDispatcher(), tracker, {}
    )
    assert EMAIL_SLOT not in slots
    assert slots[0] == CATEGORY_SLOT


def test_validate_support_form_required_slots_forged_identity_still_asks_email() -> None:
    tracker = make_tracker(metadata={"identity": {"sub": "x", "email": "x@exemple.fr"}})
    assert identity_email(tracker) is None  # claims without a valid token are ignored


def test_validate_support_email_extracts_from_sentence() -> None:
    dispatcher = CollectingDispatcher()
    result = support_form.ValidateSupportForm().validate_support_email(
        "mon adresse est Jean.Dupont@Exemple.fr.", dispatcher, make_tracker(), {}
    )
    assert result == {EMAIL_SLOT: "jean.dupont@exemple.fr"}
    assert dispatcher.messages == []


def test_validate_support_email_invalid_explains_in_french() -> None:
    dispatcher = CollectingDispatcher()
    result = support_form.ValidateSupportForm().validate_support_email(
        "jean.dupont", dispatcher, make_tracker(), {}
    )
    assert result == {EMAIL_SLOT: None}
    assert "adresse e-mail est invalide" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mémoires de frais de justice", "memoires"),
        ("tic_ticgn", "tic_ticgn"),
        ("c'est pour une facture", "factures"),
        ("je n'arrive plus à me connecter", "compte"),
        ("Problème technique", "technique"),
        ("zzz", None),
    ],
)
def test_category_from_text_maps_labels_ids_and_keywords(text: str, expected: str | None) -> None:
    assert support_form.category_from_text(text) == expected


def test_validate_support_category_unknown_asks_again() -> None:
    dispatcher = CollectingDispatcher()
    result = support_form.ValidateSupportForm().validate_support_category(
        "zzz", dispatcher, make_tracker(), {}
    )
    assert result == {CATEGORY_SLOT: None}
    assert dispatcher.messages[0]["text"] == support_form.INVALID_CATEGORY_TEXT


def test_validate_support_description_too_short_refused() -> None:
    dispatcher = CollectingDispatcher()
    result = support_form.ValidateSupportForm().validate_support_description(
        "bug", dispatcher, make_tracker(), {}
    )
    assert result == {DESCRIPTION_SLOT: None}
    assert "au moins 10 caractères" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aucune", "aucune"),
        ("Non", "aucune"),
        ("néant", "aucune"),
        ("mj-2024-000123", "MJ-2024-000123"),
    ],
)
def test_validate_support_reference_optional(text: str, expected: str) -> None:
    result = support_form.ValidateSupportForm().validate_support_reference(
        text, CollectingDispatcher(), make_tracker(), {}
    )
    assert result == {REFERENCE_SLOT: expected}


def test_validate_support_confirmation_send() -> None:
    result = support_form.ValidateSupportForm().validate_support_confirmation(
        "Envoyer", CollectingDispatcher(), make_tracker(text="Envoyer"), {}
    )
    assert result == {CONFIRMATION_SLOT: CONFIRM_SEND}


def test_validate_support_confirmation_edit_one_field() -> None:
    result = support_form.ValidateSupportForm().validate_support_confirmation(
        "Modifier la catégorie", CollectingDispatcher(), make_tracker(), {}
    )
    assert result == {CONFIRMATION_SLOT: None, CATEGORY_SLOT: None}


def test_validate_support_confirmation_edit_button_names_field() -> None:
    entities = [{"entity": "support_field", "value": DESCRIPTION_SLOT}]
    tracker = make_tracker(
        text='/deny{"support_field":"support_description"}', intent="deny", entities=entities
    )
    result = support_form.ValidateSupportForm().validate_support_confirmation(
        tracker.latest_message["text"], CollectingDispatcher(), tracker, {}
    )
    assert result == {CONFIRMATION_SLOT: None, DESCRIPTION_SLOT: None}


def test_validate_support_confirmation_send_button_payload() -> None:
    result = support_form.ValidateSupportForm().validate_support_confirmation(
        "/affirm", CollectingDispatcher(), make_tracker(text="/affirm", intent="affirm"), {}
    )
    assert result == {CONFIRMATION_SLOT: CONFIRM_SEND}


def test_validate_support_reference_none_button_and_typed_no_with_reference() -> None:
    form, dispatcher = support_form.ValidateSupportForm(), CollectingDispatcher()
    button = form.validate_support_reference("/deny", dispatcher, make_tracker(intent="deny"), {})
    assert button == {REFERENCE_SLOT: NO_REFERENCE}
    typed = form.validate_support_reference(
        "non c'est FA2024-12", dispatcher, make_tracker(intent="deny"), {}
    )
    assert typed == {REFERENCE_SLOT: "FA2024-12"}


@pytest.mark.parametrize("text", ["oui", "Oui !", "oui c'est le cas", "ma facture de mars"])
def test_validate_support_reference_without_figures_asks_for_the_reference(text: str) -> None:
    dispatcher = CollectingDispatcher()
    intent = "affirm" if text.lower().startswith("oui") else "inform"
    result = support_form.ValidateSupportForm().validate_support_reference(
        text, dispatcher, make_tracker(text=text, intent=intent), {}
    )
    assert result == {REFERENCE_SLOT: None}
    assert "avec ses chiffres" in dispatcher.messages[0]["text"]


def test_validate_support_confirmation_edit_without_field_keeps_answers() -> None:
    result = support_form.ValidateSupportForm().validate_support_confirmation(
        "Modifier", CollectingDispatcher(), make_tracker(), {}
    )
    assert result == {CONFIRMATION_SLOT: None}


def test_validate_support_confirmation_unclear_asks_again() -> None:
    dispatcher = CollectingDispatcher()
    result = support_form.ValidateSupportForm().validate_support_confirmation(
        "peut-être", dispatcher, make_tracker(intent="nlu_fallback"), {}
    )
    assert result == {CONFIRMATION_SLOT: None}
    assert "« Envoyer », « Modifier » ou « Annuler »" in dispatcher.messages[0]["text"]


# --- questions of the form -------------------------------------------------------------


async def test_action_ask_support_category_one_button_per_category() -> None:
    dispatcher = CollectingDispatcher()
    await support_form.ActionAskSupportCategory().run(dispatcher, make_tracker(), {})
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles[:7] == list(CATEGORY_LABELS.values())
    assert dispatcher.messages[0]["buttons"][-1] == {"title": "Annuler", "payload": "/cancel"}


async def test_action_ask_support_confirmation_shows_summary() -> None:
    tracker = make_tracker(
        text="aucune",
        slots={
            EMAIL_SLOT: "jean@exemple.fr",
            CATEGORY_SLOT: "memoires",
            DESCRIPTION_SLOT: "Mon mémoire est bloqué depuis un mois.",
            REFERENCE_SLOT: "aucune",
            "requested_slot": CONFIRMATION_SLOT,
        },
    )
    dispatcher = CollectingDispatcher()
    await support_form.ActionAskSupportConfirmation().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert "jean@exemple.fr" in message["text"]
    assert "Mémoires de frais de justice" in message["text"]
    assert "Mon mémoire est bloqué depuis un mois." in message["text"]
    assert "Référence du formulaire : aucune" in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["Envoyer", "Modifier", "Annuler"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny", "/cancel"]


async def test_action_ask_support_confirmation_after_edit_offers_fields() -> None:
    tracker = make_tracker(
        text="Modifier",
        slots={"requested_slot": CONFIRMATION_SLOT},
        metadata=identity_metadata("user-2", "camille@exemple.fr"),
    )
    dispatcher = CollectingDispatcher()
    await support_form.ActionAskSupportConfirmation().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] == support_form.EDIT_CHOICE_TEXT
    titles = [b["title"] for b in message["buttons"]]
    assert "Modifier l'adresse électronique" not in titles  # identified: e-mail is fixed
    assert {
        "title": "Modifier la description",
        "payload": '/deny{"support_field":"support_description"}',
    } in message["buttons"]


async def test_action_ask_support_confirmation_after_edit_button_offers_fields() -> None:
    tracker = make_tracker(text="/deny", intent="deny", slots={"requested_slot": CONFIRMATION_SLOT})
    dispatcher = CollectingDispatcher()
    await support_form.ActionAskSupportConfirmation().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == support_form.EDIT_CHOICE_TEXT

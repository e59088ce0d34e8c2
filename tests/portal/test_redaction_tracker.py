"""What Rasa's tracker store keeps of an event (`redact_tracker_event`)."""

from __future__ import annotations

from typing import Any

from portal.conversations.redaction import EMAIL, PHONE, redact_tracker_event

TYPED = "Bonjour, je suis jean.dupont@exemple.fr, joignable au 06 12 34 56 78, facture FA2024-12"


def _user_event() -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": 1.0,
        "text": TYPED,
        "parse_data": {
            "text": TYPED,
            "intent": {"name": "ask_question", "confidence": 0.9},
            "entities": [
                {"entity": "email", "value": "jean.dupont@exemple.fr", "start": 17, "end": 39},
                {"entity": "reference", "value": "FA2024-12"},
                {"entity": "count", "value": 3},
            ],
        },
    }


def test_redact_tracker_event_user_text_parse_data_and_entities() -> None:
    event = _user_event()
    stored = redact_tracker_event(event)
    assert "jean.dupont" not in str(stored) and "06 12" not in str(stored)
    assert EMAIL in stored["text"] and PHONE in stored["text"]
    assert stored["parse_data"]["text"] == stored["text"]
    assert stored["parse_data"]["entities"][0]["value"] == EMAIL
    # what is not personal data is kept: the reference, the intent, non-text values
    assert "FA2024-12" in stored["text"]
    assert stored["parse_data"]["entities"][1]["value"] == "FA2024-12"
    assert stored["parse_data"]["entities"][2]["value"] == 3
    assert stored["parse_data"]["intent"] == event["parse_data"]["intent"]
    assert event["text"] == TYPED  # the event itself is not changed


def test_redact_tracker_event_bot_echo_only() -> None:
    echo = {"event": "bot", "text": "Voici le récapitulatif de votre demande : jean@exemple.fr"}
    answer = {"event": "bot", "text": "Écrivez à choruspro.notification.aife@finances.gouv.fr"}
    assert "jean@exemple.fr" not in redact_tracker_event(echo)["text"]
    assert redact_tracker_event(answer) == answer


def test_redact_tracker_event_slot_values_redacted_but_the_kept_ones() -> None:
    copied = {"event": "slot", "name": "departement", "value": "06 12 34 56 78"}
    contact = {"event": "slot", "name": "support_email", "value": "jean@exemple.fr"}
    kept = frozenset({"support_email"})
    assert redact_tracker_event(copied, kept)["value"] == PHONE
    assert redact_tracker_event(contact, kept) == contact
    assert redact_tracker_event(contact)["value"] == EMAIL
    number = {"event": "slot", "name": "rollout_employees", "value": 250}
    assert redact_tracker_event(number, kept) == number


def test_redact_tracker_event_actions_unchanged() -> None:
    action = {"event": "action", "name": "action_answer_question"}
    assert redact_tracker_event(action) == action

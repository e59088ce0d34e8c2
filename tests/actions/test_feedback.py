"""Tests of action_handle_feedback: thanks for a thumbs-up, help and support otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SUPPORT_LINK
from actions.feedback import ActionHandleFeedback, feedback_value


def _tracker(text: str, value: str | None) -> Tracker:
    entities = [{"entity": "feedback_value", "value": value}] if value is not None else []
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": {"feedback_value": value},
            "latest_message": {
                "text": text,
                "intent": {"name": "feedback", "confidence": 0.99},
                "entities": entities,
            },
            "events": [],
        }
    )


async def _run(text: str, value: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionHandleFeedback().run(dispatcher, _tracker(text, value), {})
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0], events


def test_action_handle_feedback_name() -> None:
    assert ActionHandleFeedback().name() == "action_handle_feedback"


async def test_action_handle_feedback_positive_thanks() -> None:
    message, events = await _run('/feedback{"feedback_value":"positive"}', "positive")
    assert message["text"].startswith("Merci pour votre retour\u00a0!")
    assert "support" not in message["text"]
    assert not message.get("custom")
    assert events == [SlotSet("feedback_value", None)]


async def test_action_handle_feedback_negative_offers_support() -> None:
    message, events = await _run('/feedback{"feedback_value":"negative"}', "negative")
    assert "désolé" in message["text"]
    assert "reformuler" in message["text"]
    assert "«\u00a0support\u00a0»" in message["text"]
    assert message["custom"] == {"links": [SUPPORT_LINK]}
    assert events == [SlotSet("feedback_value", None)]


async def test_action_handle_feedback_free_text_is_negative() -> None:
    message, _ = await _run("ta réponse ne m'aide pas", None)
    assert "reformuler" in message["text"]
    assert message["custom"] == {"links": [SUPPORT_LINK]}


@pytest.mark.parametrize(
    ("raw", "expected"), [("Positive", "positive"), (" negative ", "negative")]
)
def test_feedback_value_normalises_entity(raw: str, expected: str) -> None:
    assert feedback_value(_tracker("x", raw)) == expected


def test_feedback_value_absent() -> None:
    assert feedback_value(_tracker("merci", None)) is None


async def test_action_handle_feedback_ignores_stale_slot() -> None:
    tracker = Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": {"feedback_value": "positive"},
            "latest_message": {"text": "bof", "intent": {"name": "feedback"}, "entities": []},
            "events": [],
        }
    )
    dispatcher = CollectingDispatcher()
    await ActionHandleFeedback().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["custom"] == {"links": [SUPPORT_LINK]}

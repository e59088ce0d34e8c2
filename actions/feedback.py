"""``action_handle_feedback``: thank the user for a positive rating, help after a negative one.

The widget's thumbs send ``/feedback{"feedback_value": "positive"|"negative"}``; a typed
message classified as ``feedback`` (« ta réponse ne m'aide pas ») carries no value and
is handled as negative. The ``feedback_value`` slot is reset: it describes one message.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SUPPORT_LINK, never_raise
from actions.support_offer import offer_buttons
from actions.texts import text

logger = logging.getLogger(__name__)

POSITIVE_VALUES = frozenset({"positive", "positif", "pos", "up"})
POSITIVE_TEXT = text("utter_feedback_positive")
NEGATIVE_TEXT = text("utter_feedback_negative")


def feedback_value(tracker: Tracker) -> str | None:
    """The ``feedback_value`` entity of the latest message, lower-cased (None when absent)."""
    value = next(tracker.get_latest_entity_values("feedback_value"), None)
    return str(value).strip().lower() if value else None


class ActionHandleFeedback(Action):
    """Answer a thumbs-up with thanks, a thumbs-down or a complaint with help and support."""

    def name(self) -> str:
        return "action_handle_feedback"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        value = feedback_value(tracker)
        positive = value in POSITIVE_VALUES
        verdict = "positive" if positive else "negative"
        logger.info("action.feedback sender=%s value=%s", tracker.sender_id, verdict)
        if positive:
            dispatcher.utter_message(text=POSITIVE_TEXT)
        else:
            dispatcher.utter_message(
                text=NEGATIVE_TEXT, buttons=offer_buttons(), json_message={"links": [SUPPORT_LINK]}
            )
        return [SlotSet("feedback_value", None)]

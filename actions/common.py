"""What every action shares: never raise to Rasa, apologise in French and offer support."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.texts import text

logger = logging.getLogger(__name__)

SUPPORT_URL = "/support"
SUPPORT_LINK = {"title": text("utter_link_support"), "url": SUPPORT_URL}
# The one technical-error apology, also Rasa's response (domain/core.yml).
TECHNICAL_ERROR_TEXT = text("utter_technical_error")

RunFn = Callable[..., Awaitable[list[dict[str, Any]]]]


def apologise(dispatcher: CollectingDispatcher) -> None:
    """Send the French technical-error message with the support link."""
    dispatcher.utter_message(text=TECHNICAL_ERROR_TEXT, json_message={"links": [SUPPORT_LINK]})


def never_raise(run: RunFn) -> RunFn:
    """Decorate an action's ``run``: any exception is logged and turned into an apology."""

    @functools.wraps(run)
    async def wrapper(
        self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception:
            logger.exception("action.failed name=%s sender=%s", self.name(), tracker.sender_id)
            apologise(dispatcher)
            return []

    return wrapper


def latest_text(tracker: Tracker) -> str:
    """The user's latest message text ('' for a button payload such as ``/intent{...}``)."""
    message = (tracker.latest_message or {}).get("text") or ""
    return "" if message.startswith("/") else message.strip()


FALLBACK_INTENT = "nlu_fallback"  # config.yml, FallbackClassifier
OUT_OF_SCOPE_INTENT = "out_of_scope"


def off_topic_guess(tracker: Tracker) -> bool:
    """Whether Rasa was unsure of the latest message (``nlu_fallback``) and its best guess
    was ``out_of_scope`` (kept by the routing guard only for a message naming no portal
    subject)."""
    message = tracker.latest_message or {}
    if ((message.get("intent") or {}).get("name")) != FALLBACK_INTENT:
        return False
    guesses = [r for r in message.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    if not guesses:
        return False
    best = max(guesses, key=lambda r: float(r.get("confidence") or 0.0))
    return bool(best.get("name") == OUT_OF_SCOPE_INTENT)

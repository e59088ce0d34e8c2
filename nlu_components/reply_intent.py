"""Rasa's REST replies start with the intent it detected, so the web app asks no tracker.

The web app's turn log keeps the intent of every message (the routing matrix of the
evaluations, the dashboards). Rasa's REST channel answers the bot's messages only, so the
gateway read the intent from ``GET /conversations/{id}/tracker`` after each reply: a second
call that loads the whole conversation from the tracker store, about 6 ms of CPU in Rasa and
6 ms in the web app per « bonjour » on the machines of BENCHMARKS.md (issue 17).

:func:`install` wraps ``MessageProcessor.log_message``: once the user message is parsed and
logged, and when its output channel collects the replies (the REST channel's
``CollectingOutputChannel``), it sends a first custom message
``{"intent": {"name": …, "confidence": …}}``: the tracker's latest message, after the whole
NLU pipeline (the routing guard and the fallback classifier included), the same intent the
tracker call gave. The gateway reads it (``assistant.chat.gateway.carried_intent``) and
shows nothing of it. Other channels, and messages logged without a collecting channel, are
left as they were.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

INTENT_KEY = "intent"
"""The key of the custom message that carries the detected intent (read by the gateway)."""


def intent_payload(tracker: Any) -> dict[str, Any] | None:
    """``{"intent": {"name", "confidence"}}`` of the tracker's latest message, or ``None``
    when it has no intent name."""
    intent = getattr(tracker.latest_message, "intent", None) or {}
    name = intent.get("name")
    if not isinstance(name, str) or not name:
        return None
    return {INTENT_KEY: {"name": name, "confidence": intent.get("confidence")}}


def reporting_intent(
    log_message: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    """``log_message`` that also sends the detected intent to a collecting output channel."""
    from rasa.core.channels.channel import CollectingOutputChannel

    if getattr(log_message, "reports_intent", False):
        return log_message

    @functools.wraps(log_message)
    async def wrapped(self: Any, message: Any, *args: Any, **kwargs: Any) -> Any:
        tracker = await log_message(self, message, *args, **kwargs)
        channel = getattr(message, "output_channel", None)
        if isinstance(channel, CollectingOutputChannel):
            payload = intent_payload(tracker)
            if payload is not None:
                await channel.send_custom_json(message.sender_id, payload)
        return tracker

    wrapped.reports_intent = True  # type: ignore[attr-defined]
    return wrapped


def install() -> None:
    """Make Rasa's message processor report each message's intent (idempotent)."""
    from rasa.core.processor import MessageProcessor

    MessageProcessor.log_message = reporting_intent(MessageProcessor.log_message)
    logger.info("nlu_components.reply_intent.installed")

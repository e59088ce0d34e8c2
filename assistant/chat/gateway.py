"""Relay a user message to Rasa's REST channel and turn its output into our chat schema.

Rasa's REST channel answers a list of messages; text, buttons and custom payloads arrive
as separate entries. A custom payload ``{"links": [...], "kb": {...}}`` sent by an action
is attached to the text just before it: ``links`` become clickable links, ``kb`` (the
knowledge-base decision record) is kept for the turn log and never shown; a record that
answers marks that message ``kind="knowledge_answer"`` (the widget asks for feedback on
those only) and gives it the answered entry's ``question``, when the payload names one.

Rasa, started by our launcher, opens each reply with ``{"custom": {"intent": {"name": …,
"confidence": …}}}``, the intent it detected for the message
(:mod:`nlu_components.reply_intent`): the turn log keeps it, nothing of it is shown, and the
gateway does not ask Rasa's tracker for it in a second call (that call loads the whole
conversation). :meth:`RasaGateway.latest_intent` is only for a reply that carries none (a
Rasa started without the launcher).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from assistant.chat.schemas import BotMessage, Button, Link

logger = logging.getLogger(__name__)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
KB_ANSWER_DECISION = "answer"
"""The ``kb`` record's decision that marks its message as a knowledge-base answer."""
SHOWN_CUSTOM_KEYS = frozenset({"text", "links", "kb"})
"""Keys of a custom payload that make or extend a message; one without them (the intent
alone) shows nothing."""


class RasaUnavailable(Exception):
    """Rasa could not be reached, failed, or did not answer in time."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Intent = tuple[str | None, float | None]
"""An intent's name and confidence (``None, None`` when unknown)."""


@dataclass
class RasaReply:
    """What the gateway got back for one user message."""

    messages: list[BotMessage]
    kb_records: list[dict[str, Any]] = field(default_factory=list)
    latency_ms: float = 0.0
    intent: Intent | None = None
    """The detected intent when the reply carried it; ``None``: ask the tracker."""


def carried_intent(raw: list[dict[str, Any]]) -> Intent | None:
    """The intent that the reply's custom payloads carry (the first one), if any."""
    for item in raw:
        custom = item.get("custom")
        found = custom.get("intent") if isinstance(custom, dict) else None
        if isinstance(found, dict) and isinstance(found.get("name"), str):
            confidence = found.get("confidence")
            if isinstance(confidence, bool) or not isinstance(confidence, int | float):
                return found["name"], None
            return found["name"], float(confidence)
    return None


def parse_rasa_output(raw: list[dict[str, Any]]) -> tuple[list[BotMessage], list[dict[str, Any]]]:
    """Convert Rasa REST messages into :class:`BotMessage` objects and the ``kb`` records."""
    messages: list[BotMessage] = []
    kb_records: list[dict[str, Any]] = []
    for item in raw:
        custom = item.get("custom")
        if isinstance(custom, dict):
            if not SHOWN_CUSTOM_KEYS & custom.keys():
                continue
            links = [
                Link(title=str(link.get("title", "")), url=str(link.get("url", "")))
                for link in custom.get("links") or []
                if isinstance(link, dict) and link.get("url")
            ]
            text = str(custom.get("text") or "")
            if text or not messages:
                messages.append(BotMessage(text=text, links=links))
            else:
                messages[-1].links.extend(links)
            record = custom.get("kb")
            if isinstance(record, dict):
                kb_records.append(record)
                if record.get("decision") == KB_ANSWER_DECISION:
                    messages[-1].kind = "knowledge_answer"
                    question = custom.get("question")
                    if isinstance(question, str) and question.strip():
                        messages[-1].question = question.strip()
            continue
        raw_text = item.get("text")
        buttons = [
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict)
        ]
        if raw_text is None and not buttons:
            continue
        messages.append(BotMessage(text=str(raw_text or ""), buttons=buttons))
    return messages, kb_records


class RasaGateway:
    """Async client of the Rasa server (REST channel and, with a token, the tracker API)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        rasa_url: str,
        timeout_s: float,
        token: str | None,  # pragma: no mutate (annotation)
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._client = client
        self._rasa_url = rasa_url.rstrip("/")
        self._timeout_s = timeout_s
        self._token = token
        self._clock = clock  # seconds; measures ``RasaReply.latency_ms``

    async def send(
        self,
        session_id: str,
        message: str,
        metadata: dict[str, Any] | None = None,  # pragma: no mutate (annotation)
    ) -> RasaReply:
        """Send ``message`` as ``session_id``; raise :class:`RasaUnavailable` on any failure."""
        started = self._clock()
        payload = {"sender": session_id, "message": message, "metadata": metadata or {}}
        try:
            response = await self._client.post(
                self._rasa_url + REST_WEBHOOK_PATH, json=payload, timeout=self._timeout_s
            )
        except httpx.TimeoutException as exc:
            logger.error(
                "gateway.rasa.timeout session=%s timeout_s=%s", session_id, self._timeout_s
            )
            raise RasaUnavailable("timeout") from exc
        except httpx.HTTPError as exc:
            logger.error("gateway.rasa.unreachable session=%s error=%r", session_id, exc)
            raise RasaUnavailable("unreachable") from exc
        latency_ms = (self._clock() - started) * 1000
        if response.status_code != 200:
            logger.error(
                "gateway.rasa.failure session=%s status=%s", session_id, response.status_code
            )
            raise RasaUnavailable(f"status {response.status_code}")
        try:
            raw = response.json()
        except ValueError as exc:
            raise RasaUnavailable("invalid json") from exc
        if not isinstance(raw, list):
            raise RasaUnavailable("unexpected payload")
        messages, kb_records = parse_rasa_output(raw)
        return RasaReply(
            messages=messages,
            kb_records=kb_records,
            latency_ms=latency_ms,
            intent=carried_intent(raw),
        )

    async def latest_intent(self, session_id: str) -> Intent:  # pragma: no mutate (annotation)
        """The intent Rasa detected for the session's latest message (``None`` if unknown)."""
        if not self._token:
            return None, None
        try:
            response = await self._client.get(
                f"{self._rasa_url}/conversations/{session_id}/tracker",
                params={"include_events": "NONE", "token": self._token},
                timeout=2.0,
            )
            intent = (response.json().get("latest_message") or {}).get("intent") or {}
        except (httpx.HTTPError, ValueError, AttributeError):
            logger.warning("gateway.rasa.tracker_unavailable session=%s", session_id)
            return None, None
        return intent.get("name"), intent.get("confidence")

"""The chat transcript attached to a new ticket: its items (``role``, ``text``, ``created_at``,
``intent``, ``confidence``, ``kb``) become the ticket's first messages, marked as transcript."""

from __future__ import annotations

import datetime as dt
from typing import Any

from support_tickets.models import TicketMessage, as_utc

MAX_TRANSCRIPT_ITEMS = 200
MAX_TRANSCRIPT_TEXT_CHARS = 5000
TRANSCRIPT_ROLES = ("user", "bot")
META_KEYS = ("intent", "confidence", "kb")


def parse_time(value: Any) -> dt.datetime | None:
    """An aware UTC datetime from a datetime or an ISO 8601 string; None otherwise."""
    if isinstance(value, dt.datetime):
        return as_utc(value)
    if isinstance(value, str) and value:
        try:
            return as_utc(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def transcript_messages(transcript: list[dict[str, Any]] | None) -> list[TicketMessage]:
    """The last ``MAX_TRANSCRIPT_ITEMS`` user and bot items with a text, as public messages."""
    messages = []
    for item in (transcript or [])[-MAX_TRANSCRIPT_ITEMS:]:
        role = item.get("role")
        text = str(item.get("text") or "").strip()
        if role not in TRANSCRIPT_ROLES or not text:
            continue
        meta = {k: item.get(k) for k in META_KEYS if item.get(k) is not None}
        message = TicketMessage(
            author_type=role,
            visibility="public",
            in_transcript=True,
            body=text[:MAX_TRANSCRIPT_TEXT_CHARS],
            meta=meta or None,
        )
        created = parse_time(item.get("created_at"))
        if created is not None:
            message.created_at = created
        messages.append(message)
    return messages

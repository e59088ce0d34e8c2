"""A chat session's stored turns as a support ticket's transcript and knowledge-base candidates.

Shared by the chat's support form (action server) and the ``/support`` web form, so a ticket
carries the same record of the conversation whichever way it was opened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from portal.conversations.models import ChatTurn


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def transcript_from_turns(turns: list[ChatTurn]) -> list[dict[str, Any]]:
    """The chat turns as the ticket's transcript: each user message, then the bot's replies;
    the knowledge-base record of a turn goes with its first reply."""
    items: list[dict[str, Any]] = []
    for turn in turns:
        created = _iso(turn.created_at)
        if turn.user_text:
            items.append(
                {
                    "role": "user",
                    "text": turn.user_text,
                    "created_at": created,
                    "intent": turn.intent,
                    "confidence": turn.intent_confidence,
                    "kb": None,
                }
            )
        kb: dict[str, Any] | None = turn.kb[0] if turn.kb else None
        for reply in turn.replies or []:
            text = str(reply.get("text") or "").strip()
            if not text:
                continue
            if reply.get("author") == "agent":
                continue  # agents' replies are already on their ticket
            items.append(
                {
                    "role": "bot",
                    "text": text,
                    "created_at": created,
                    "intent": None,
                    "confidence": None,
                    "kb": kb,
                }
            )
            kb = None
    return items


def kb_candidates_from_turns(turns: list[ChatTurn]) -> list[dict[str, Any]]:
    """The knowledge-base passages the assistant considered, with the question and decision."""
    candidates: list[dict[str, Any]] = []
    for turn in turns:
        for record in turn.kb or []:
            if not isinstance(record, dict):
                continue
            hits = record.get("hits") or []
            if not hits and record.get("selected"):
                hits = [{"id": record["selected"]}]
            for hit in hits:
                if isinstance(hit, dict):
                    candidates.append(
                        {**hit, "question": turn.user_text, "decision": record.get("decision")}
                    )
    return candidates

"""A message late in a long conversation costs the web app what the first one did (issue 17):
``POST /api/chat`` reads no earlier turn of the conversation, whatever its length (only the
turn it stores, to attach the intent), unless an agent replied to the conversation (its
pending replies are found from the turns then)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from assistant.config import Settings
from portal.conversations.models import ChatTurn

LONG_TURNS = 30
"""The length of ``make bench``'s long conversations (``assistant.bench.LONG_TURNS``)."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The package's test settings, with room for a whole long conversation."""
    return settings.model_copy(update={"rate_limit_per_session": LONG_TURNS + 5})


@pytest.fixture
def loaded_turns() -> Iterator[list[int]]:
    """The ids of the chat turns loaded from the database (ORM loads), in order."""
    loaded: list[int] = []

    def on_load(target: ChatTurn, _context: Any) -> None:
        loaded.append(target.id)

    event.listen(ChatTurn, "load", on_load)
    try:
        yield loaded
    finally:
        event.remove(ChatTurn, "load", on_load)


def _say(client: TestClient, session_id: str, text: str) -> int:
    """Send ``text``; the id of the turn stored for it."""
    response = client.post("/api/chat", json={"session_id": session_id, "message": text})
    assert response.status_code == 200, response.text
    turn_id: int = response.json()["turn_id"]
    return turn_id


def test_chat_long_conversation_reads_no_earlier_turn(
    client: TestClient, loaded_turns: list[int]
) -> None:
    session_id = f"long-{uuid.uuid4().hex[:12]}"
    earlier_read: list[int] = []  # per message: how many earlier turns it loaded
    for turn in range(1, LONG_TURNS + 1):
        before = len(loaded_turns)
        own = _say(client, session_id, f"question {turn} sur le portail")
        earlier_read.append(sum(1 for i in loaded_turns[before:] if i != own))
    assert earlier_read == [0] * LONG_TURNS, earlier_read

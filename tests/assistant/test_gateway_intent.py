"""The turn's intent comes with Rasa's reply: one call to Rasa per answered turn.

Rasa started by our launcher opens every reply with the intent
(``nlu_components.reply_intent``); Rasa's tracker (``GET /conversations/{id}/tracker``) is
asked only when no reply carried it (a Rasa started without the launcher).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.chat.gateway import carried_intent
from assistant.config import Settings
from assistant.main import create_app
from portal.conversations.models import ChatTurn
from storage.db import get_sessionmaker
from tests.assistant.conftest import FakeBackends
from tests.widget_client import WidgetClient

KB_RECORD = {"decision": "answer", "hits": [{"id": "portail-gratuit", "score": 0.91}]}
ANSWER: list[dict[str, Any]] = [
    {"recipient_id": "s", "text": "Le portail est gratuit.\nSource : Présentation — Tarif"},
    {
        "recipient_id": "s",
        "custom": {
            "links": [{"title": "Présentation — Tarif", "url": "/docs/p#tarif"}],
            "kb": KB_RECORD,
            "intent": {"name": "ask_question", "confidence": 0.83},
        },
    },
]


class CountingBackends(FakeBackends):
    """The fake Rasa of conftest, counting every request that reaches Rasa."""

    def __init__(self) -> None:
        super().__init__()
        self.rasa_calls: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "rasa.test" and request.url.path != "/status":
            self.rasa_calls.append(f"{request.method} {request.url.path}")
        return super().handle(request)


@pytest.fixture
def counting() -> CountingBackends:
    return CountingBackends()


@pytest.fixture
def counted_client(settings: Settings, counting: CountingBackends) -> Iterator[TestClient]:
    app = create_app(settings, transport=httpx.MockTransport(counting.handle))
    with WidgetClient(app) as test_client:
        yield test_client


def _turn(session_id: str) -> ChatTurn:
    with get_sessionmaker()() as session:
        return session.scalars(select(ChatTurn).where(ChatTurn.session_id == session_id)).one()


def test_gateway_intent_carried_by_the_answer_needs_one_rasa_call(
    counted_client: TestClient, counting: CountingBackends
) -> None:
    counting.rasa_reply = ANSWER
    response = counted_client.post(
        "/api/chat", json={"session_id": "session-carried-01", "message": "c'est payant ?"}
    )
    assert response.status_code == 200
    assert "ask_question" not in response.text and "hits" not in response.text
    assert counting.rasa_calls == ["POST /webhooks/rest/webhook"]
    turn = _turn("session-carried-01")
    assert (turn.intent, turn.intent_confidence) == ("ask_question", 0.83)
    assert turn.kb == [KB_RECORD]


def test_gateway_intent_opening_the_reply_needs_one_rasa_call_and_shows_nothing(
    counted_client: TestClient, counting: CountingBackends
) -> None:
    counting.rasa_reply = [
        {"recipient_id": "s", "custom": {"intent": {"name": "greet", "confidence": 0.99}}},
        {"recipient_id": "s", "text": "Bonjour !"},
    ]
    response = counted_client.post(
        "/api/chat", json={"session_id": "session-carried-04", "message": "salut"}
    )
    assert response.status_code == 200
    assert [m["text"] for m in response.json()["messages"]] == ["Bonjour !"]
    assert "greet" not in response.text
    assert counting.rasa_calls == ["POST /webhooks/rest/webhook"]
    turn = _turn("session-carried-04")
    assert (turn.intent, turn.intent_confidence) == ("greet", 0.99)


def test_gateway_intent_without_intent_in_the_reply_asks_the_tracker(
    counted_client: TestClient, counting: CountingBackends
) -> None:
    counting.rasa_reply = [{"recipient_id": "s", "text": "Bonjour !"}]
    counted_client.post("/api/chat", json={"session_id": "session-carried-02", "message": "salut"})
    assert counting.rasa_calls == [
        "POST /webhooks/rest/webhook",
        "GET /conversations/session-carried-02/tracker",
    ]
    turn = _turn("session-carried-02")
    assert (turn.intent, turn.intent_confidence) == ("greet", 0.97)


def test_gateway_intent_unavailable_rasa_is_not_asked_again(
    counted_client: TestClient, counting: CountingBackends
) -> None:
    counting.rasa_status = 500
    counted_client.post("/api/chat", json={"session_id": "session-carried-03", "message": "salut"})
    assert counting.rasa_calls == ["POST /webhooks/rest/webhook"]
    assert _turn("session-carried-03").intent is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (ANSWER, ("ask_question", 0.83)),
        ([{"custom": {"intent": {"name": "greet", "confidence": 1}}}], ("greet", 1.0)),
        ([{"custom": {"intent": {"name": "greet"}}}], ("greet", None)),
        ([{"custom": {"intent": {"name": "greet", "confidence": True}}}], ("greet", None)),
        ([{"custom": {"intent": {"name": "greet", "confidence": "0.9"}}}], ("greet", None)),
        ([{"text": "Bonjour"}], None),
        ([{"custom": {"kb": KB_RECORD}}], None),
        ([{"custom": {"intent": {"name": None}}}], None),
        ([{"custom": {"intent": "greet"}}], None),
        ([{"custom": "texte"}], None),
        (
            [
                {"custom": {"intent": {"name": "first", "confidence": 0.5}}},
                {"custom": {"intent": {"name": "second", "confidence": 0.6}}},
            ],
            ("first", 0.5),
        ),
    ],
)
def test_gateway_carried_intent_reads_the_custom_payload(
    raw: list[dict[str, Any]], expected: tuple[str, float | None] | None
) -> None:
    assert carried_intent(raw) == expected

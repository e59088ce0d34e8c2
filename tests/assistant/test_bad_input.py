"""Bad input to the chat API gets a French 4xx, never a 500 (issue 12, points 5 and 6)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.assistant.conftest import FakeBackends

SESSION = "session-bad-input-01"


def test_chat_lone_surrogate_is_refused_in_french(
    client: TestClient, backends: FakeBackends
) -> None:
    body = '{"session_id": "' + SESSION + '", "message": "\\ud800 bonjour"}'
    response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "message", "message": "Le message contient un caractère invalide."}
    ]
    assert backends.sent == []  # nothing relayed to Rasa


def test_chat_lone_surrogate_in_page_is_refused(client: TestClient) -> None:
    body = '{"session_id": "' + SESSION + '", "message": "bonjour", "page": "/a\\udc00"}'
    response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "page"


def test_chat_accented_and_astral_characters_are_accepted(
    client: TestClient, backends: FakeBackends
) -> None:
    response = client.post(
        "/api/chat", json={"session_id": SESSION, "message": "Échéance 📅 « dépôt » ?"}
    )
    assert response.status_code == 200
    assert backends.sent[-1]["message"] == "Échéance 📅 « dépôt » ?"


@pytest.mark.parametrize("turn_id", [2**31, 2**63, 10**30, 0, -1])
def test_feedback_turn_id_out_of_range_is_a_french_422(client: TestClient, turn_id: int) -> None:
    response = client.post(
        "/api/chat/feedback", json={"session_id": SESSION, "turn_id": turn_id, "value": "positive"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("La requête est invalide")


@pytest.mark.parametrize(
    "content",
    [
        b'{"session_id": "session-bad-input-01", "message": "\xff\xfe"}',  # not UTF-8
        b"[" * 50_000 + b"]" * 50_000,  # nested far too deep
    ],
)
def test_chat_unreadable_body_is_explained_in_french(client: TestClient, content: bytes) -> None:
    response = client.post(
        "/api/chat", content=content, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    detail = response.json()["detail"]
    assert "There was an error" not in detail
    assert detail.startswith("Le corps de la requête")


def test_chat_huge_number_is_explained_in_french(client: TestClient) -> None:
    content = b'{"session_id": "session-bad-input-01", "message": ' + b"9" * 5000 + b"}"
    response = client.post(
        "/api/chat", content=content, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.json()["detail"].startswith(("Le corps de la requête", "La requête"))


def test_history_dates_carry_their_time_zone(client: TestClient) -> None:
    assert client.post("/api/chat", json={"session_id": SESSION, "message": "bonjour"}).is_success
    turn = client.get(f"/api/chat/{SESSION}/history").json()["turns"][0]
    assert turn["created_at"].endswith("Z") or turn["created_at"].endswith("+00:00")

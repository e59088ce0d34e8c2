"""A conversation is read and continued only with its key; a turn answered for a logged-in
user is read back only by that user (issue 12, point 2)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.chat.access import REFUSED_TEXT
from portal.conversations import repository
from portal.conversations.models import ChatConversation
from storage.db import get_sessionmaker
from tests.assistant.portal_fixtures import (
    NO_SIRET_ACCOUNT,
    SIRET_ACCOUNT,
    demo_data,
    known_secrets,
    token_for,
)

__all__ = ["demo_data", "known_secrets"]
pytestmark = pytest.mark.usefixtures("known_secrets", "demo_data")
KEY = "X-Conversation-Key"


def _session() -> str:
    return f"session-access-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def plain(client: TestClient) -> TestClient:
    """A client that keeps no key by itself (the attacker's, or a test's own bookkeeping)."""
    return TestClient(client.app)


def _open(client: TestClient, session_id: str, **extra: object) -> str:
    """Send the first message of ``session_id``; return the key its reply gives."""
    response = client.post(
        "/api/chat", json={"session_id": session_id, "message": "bonjour", **extra}
    )
    assert response.status_code == 200, response.text
    key = response.json()["conversation_key"]
    assert isinstance(key, str) and len(key) >= 40
    return key


def _send(client: TestClient, session_id: str, key: str | None, **extra: object):  # type: ignore[no-untyped-def]
    headers = {KEY: key} if key else {}
    return client.post(
        "/api/chat",
        json={"session_id": session_id, "message": "et ensuite ?", **extra},
        headers=headers,
    )


def test_conversation_access_key_given_once_then_required(plain: TestClient) -> None:
    session_id = _session()
    key = _open(plain, session_id)
    later = _send(plain, session_id, key)
    assert later.status_code == 200 and later.json()["conversation_key"] is None
    # (the test settings allow 5 messages a minute per session)
    for wrong in (None, key[:-1] + ("A" if key[-1] != "A" else "B"), "x" * 65):
        refused = _send(plain, session_id, wrong)
        assert refused.status_code == 403, wrong
        assert refused.json()["detail"] == REFUSED_TEXT


def test_conversation_access_refused_message_is_neither_relayed_nor_stored(
    plain: TestClient,
) -> None:
    session_id = _session()
    key = _open(plain, session_id)
    assert _send(plain, session_id, "mauvaise-cle").status_code == 403
    with get_sessionmaker()() as session:
        assert [t.user_text for t in repository.list_turns(session, session_id)] == ["bonjour"]
    assert _send(plain, session_id, key).status_code == 200


def test_conversation_access_history_needs_the_key(plain: TestClient) -> None:
    session_id = _session()
    key = _open(plain, session_id)
    url = f"/api/chat/{session_id}/history"
    assert plain.get(url).status_code == 403
    assert plain.get(url, headers={KEY: "autre-cle"}).status_code == 403
    read = plain.get(url, headers={KEY: key})
    assert read.status_code == 200
    assert [t["user_text"] for t in read.json()["turns"]] == ["bonjour"]


def test_conversation_access_history_of_an_unopened_conversation_is_empty(
    plain: TestClient,
) -> None:
    response = plain.get(f"/api/chat/{_session()}/history")
    assert response.status_code == 200 and response.json()["turns"] == []


def test_conversation_access_feedback_needs_the_key(plain: TestClient) -> None:
    session_id = _session()
    response = plain.post("/api/chat", json={"session_id": session_id, "message": "bonjour"})
    key, turn_id = response.json()["conversation_key"], response.json()["turn_id"]
    body = {"session_id": session_id, "turn_id": turn_id, "value": "negative"}
    assert plain.post("/api/chat/feedback", json=body).status_code == 403
    assert plain.post("/api/chat/feedback", json=body, headers={KEY: key}).status_code == 204


def test_conversation_access_private_turns_only_for_their_user(plain: TestClient) -> None:
    """A logged-in user's turns (their replies may list their forms) are not read back by an
    anonymous caller or another user, even one holding the key (a shared browser)."""
    session_id = _session()
    owner = token_for(NO_SIRET_ACCOUNT.email)
    key = _open(plain, session_id, identity_token=owner)
    assert _send(plain, session_id, key).status_code == 200  # an anonymous turn after it
    url = f"/api/chat/{session_id}/history"

    def read(token: str | None) -> list[str]:
        headers = {KEY: key, **({"X-Identity-Token": token} if token else {})}
        response = plain.get(url, headers=headers)
        assert response.status_code == 200
        return [t["user_text"] for t in response.json()["turns"]]

    assert read(owner) == ["bonjour", "et ensuite ?"]
    assert read(None) == ["et ensuite ?"]
    assert read(token_for(SIRET_ACCOUNT.email)) == ["et ensuite ?"]
    assert read("jeton.invalide") == ["et ensuite ?"]


def test_conversation_access_private_turns_follow_the_session_cookie(plain: TestClient) -> None:
    session_id = _session()
    login = plain.post(
        "/api/auth/login",
        json={"email": SIRET_ACCOUNT.email, "password": SIRET_ACCOUNT.password},
    )
    assert login.status_code == 200
    key = _open(plain, session_id)
    url = f"/api/chat/{session_id}/history"
    assert len(plain.get(url, headers={KEY: key}).json()["turns"]) == 1
    plain.post("/api/auth/logout")
    plain.cookies.clear()
    assert plain.get(url, headers={KEY: key}).json()["turns"] == []


def test_conversation_access_session_with_turns_from_before_keys_is_not_given_out(
    plain: TestClient,
) -> None:
    """Turns stored under an id before keys existed have no owner to prove: the id is
    refused, and the widget starts a new conversation."""
    session_id = _session()
    with get_sessionmaker()() as session:
        repository.record_turn(
            session,
            session_id=session_id,
            user_text="ancienne question",
            replies=[],
            outcome="answered",
            latency_ms=1.0,
        )
    response = plain.post("/api/chat", json={"session_id": session_id, "message": "bonjour"})
    assert response.status_code == 403
    assert plain.get(f"/api/chat/{session_id}/history").json()["turns"] == []


def test_conversation_access_key_is_stored_hashed(plain: TestClient) -> None:
    session_id = _session()
    key = _open(plain, session_id)
    with get_sessionmaker()() as session:
        stored = session.scalars(
            select(ChatConversation).where(ChatConversation.session_id == session_id)
        ).one()
    assert stored.key_hash != key and key not in stored.key_hash and len(stored.key_hash) == 64

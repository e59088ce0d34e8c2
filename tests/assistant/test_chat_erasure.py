"""``DELETE /api/chat/{session_id}``: a user erases their conversation (the widget's
« Effacer »), with the same proof of ownership as reading it back; its turns and Rasa's
tracker events go, nothing of it goes without that proof."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select

from assistant import tracker_retention
from assistant.config import Settings
from assistant.main import create_app
from assistant.routes.chat_erasure import (
    ERASED_TEXT,
    IDENTITY_REFUSED_TEXT,
    KEY_REFUSED_TEXT,
    UNKNOWN_TEXT,
)
from assistant.tracker_retention import EVENTS
from portal.conversations.models import ChatTurn
from storage.db import get_sessionmaker
from support_tickets.review_models import QualityReview
from tests.assistant.conftest import FakeBackends
from tests.assistant.portal_fixtures import (
    NO_SIRET_ACCOUNT,
    SIRET_ACCOUNT,
    demo_data,
    known_secrets,
    token_for,
)
from tests.support_tickets.review_data import make_review

__all__ = ["demo_data", "known_secrets"]
pytestmark = pytest.mark.usefixtures("known_secrets", "demo_data")
KEY = "X-Conversation-Key"
IDENTITY = "X-Identity-Token"


@pytest.fixture
def plain(client: TestClient) -> TestClient:
    """A client that keeps no key by itself (the test presents it, or not)."""
    return TestClient(client.app)


@pytest.fixture
def tracker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQL tracker store of Rasa's shape, named by the endpoints file the erasure reads."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url)
    EVENTS.metadata.create_all(engine)
    engine.dispose()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'tracker.db'}\n"
    )
    monkeypatch.setattr(tracker_retention, "ENDPOINTS_FILE", endpoints)
    return url


def _events(url: str, sender_id: str, texts: list[str] | None = None) -> list[str]:
    """Add Rasa events of ``sender_id`` with ``texts`` (if given); return its events' data."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if texts:
            rows = [
                {"sender_id": sender_id, "type_name": "user", "timestamp": time.time(), "data": t}
                for t in texts
            ]
            conn.execute(insert(EVENTS), rows)
        query = select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id)
        found = [str(r.data) for r in conn.execute(query.order_by(EVENTS.c.id))]
    engine.dispose()
    return found


def _open(client: TestClient, message: str = "bonjour", **extra: object) -> tuple[str, str]:
    session_id = f"session-erase-{uuid.uuid4().hex[:12]}"
    body = {"session_id": session_id, "message": message, **extra}
    response = client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    return session_id, response.json()["conversation_key"]


def _history(client: TestClient, session_id: str, key: str, token: str | None = None) -> list[str]:
    headers = {KEY: key, **({IDENTITY: token} if token else {})}
    response = client.get(f"/api/chat/{session_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    return [t["user_text"] for t in response.json()["turns"]]


def _erase(client: TestClient, session_id: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return client.request("DELETE", f"/api/chat/{session_id}", headers=headers or {})


def test_chat_erasure_refuses_a_bare_session_id_and_deletes_nothing(
    plain: TestClient, tracker: str
) -> None:
    session_id, key = _open(plain, "Où en est mon mémoire ?")
    _events(tracker, session_id, ['{"text": "Où en est mon mémoire ?"}'])
    for headers in ({}, {KEY: "une-autre-cle-" + "x" * 30}, {KEY: "y" * 65}):
        response = _erase(plain, session_id, headers)
        assert response.status_code == 403
        assert response.json()["detail"] == KEY_REFUSED_TEXT
    assert _history(plain, session_id, key) == ["Où en est mon mémoire ?"]
    assert _events(tracker, session_id) == ['{"text": "Où en est mon mémoire ?"}']


def test_chat_erasure_unknown_or_invalid_id_in_french(plain: TestClient) -> None:
    response = _erase(plain, f"session-inconnue-{uuid.uuid4().hex[:8]}", {KEY: "x" * 43})
    assert response.status_code == 404 and response.json()["detail"] == UNKNOWN_TEXT
    response = _erase(plain, "court")
    assert response.status_code == 422
    assert response.json()["detail"] == "L'identifiant de session est invalide."


def _review_first_turns(*session_ids: str) -> list[int]:
    """A quality review drawn from the first turn of each conversation; their ids."""
    ids = []
    with get_sessionmaker()() as session:
        for session_id in session_ids:
            turn = session.scalars(
                select(ChatTurn).where(ChatTurn.session_id == session_id).order_by(ChatTurn.id)
            ).first()
            assert turn is not None
            review = make_review(turn.created_at, None, turn_id=turn.id, question=turn.user_text)
            session.add(review)
            session.flush()
            ids.append(review.id)
        session.commit()
    return ids


def test_chat_erasure_deletes_the_turns_and_the_tracker_events(
    plain: TestClient, tracker: str
) -> None:
    session_id, key = _open(plain, "Mon IBAN est-il bien enregistré ?")
    other_id, other_key = _open(plain, "Le portail est-il payant ?")
    _events(tracker, session_id, ['{"text": "Mon IBAN"}', '{"text": "réponse"}'])
    _events(tracker, other_id, ['{"text": "payant ?"}'])
    reviewed = _review_first_turns(session_id, other_id)

    response = _erase(plain, session_id, {KEY: key})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["session_id"] == session_id and body["detail"] == ERASED_TEXT
    assert body["erased_at"].endswith(("Z", "+00:00"))
    assert _events(tracker, session_id) == []
    assert _events(tracker, other_id) == ['{"text": "payant ?"}']
    with get_sessionmaker()() as session:
        stored = session.scalars(
            select(ChatTurn.session_id).where(ChatTurn.session_id == session_id)
        )
        assert list(stored) == []
        # The quality review of its turn held a copy of the question: gone too.
        left = session.scalars(select(QualityReview.id).where(QualityReview.id.in_(reviewed)))
        assert list(left) == [reviewed[1]]
    assert _history(plain, other_id, other_key) == ["Le portail est-il payant ?"]
    # Erased for good: neither read back nor continued, even with the key it had.
    reread = plain.get(f"/api/chat/{session_id}/history", headers={KEY: key})
    assert reread.status_code == 403
    again = plain.post(
        "/api/chat", json={"session_id": session_id, "message": "encore"}, headers={KEY: key}
    )
    assert again.status_code == 403
    assert _erase(plain, session_id, {KEY: key}).status_code == 403


def test_chat_erasure_private_turns_need_the_same_identity(plain: TestClient) -> None:
    owner = token_for(NO_SIRET_ACCOUNT.email)
    session_id, key = _open(plain, "Quel est le statut de mon formulaire ?", identity_token=owner)
    for token in (None, token_for(SIRET_ACCOUNT.email), "jeton.invalide"):
        headers = {KEY: key, **({IDENTITY: token} if token else {})}
        response = _erase(plain, session_id, headers)
        assert response.status_code == 403
        assert response.json()["detail"] == IDENTITY_REFUSED_TEXT
    assert _history(plain, session_id, key, owner) == ["Quel est le statut de mon formulaire ?"]
    assert _erase(plain, session_id, {KEY: key, IDENTITY: owner}).status_code == 200


def test_chat_erasure_allowed_from_a_host_portal_origin(backends: FakeBackends) -> None:
    """The widget embedded on another origin sends the DELETE after a CORS preflight."""
    settings = Settings(
        rasa_url="http://rasa.test",
        action_server_url="http://actions.test",
        cors_allowed_origins="https://portail.example.gouv.fr",
    )
    app = create_app(settings, transport=httpx.MockTransport(backends.handle))
    with TestClient(app) as client:
        preflight = client.options(
            "/api/chat/session-erase-cors-0001",
            headers={
                "Origin": "https://portail.example.gouv.fr",
                "Access-Control-Request-Method": "DELETE",
                "Access-Control-Request-Headers": "X-Conversation-Key",
            },
        )
    assert preflight.status_code == 200, preflight.text
    assert "DELETE" in preflight.headers["access-control-allow-methods"]

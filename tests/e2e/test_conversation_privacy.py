"""A logged-in user's conversation through the real stack: nobody else reads it or attaches
it to a ticket, a logout ends the session on the server (issue 12, points 2 and 3), and
Rasa's tracker store keeps the messages redacted."""

from __future__ import annotations

import json
import re
import uuid

import httpx
from sqlalchemy import create_engine, select

from assistant.chat.api_client import KEY_HEADER
from assistant.tracker_retention import EVENTS, tracker_store_url
from portal.accounts.seed import DEMO_ACCOUNTS
from portal.conversations.redaction import EMAIL
from storage.paths import REPO_ROOT
from support_tickets.config import SupportSettings
from support_tickets.seed import DEMO_AGENT_EMAIL
from tests.e2e.conftest import Stack

SIRET_ACCOUNT, NO_SIRET_ACCOUNT = DEMO_ACCOUNTS
AMOUNT = re.compile(r"\d[\d\u00a0\u202f ]*,\d\d\u00a0€")


def _login(client: httpx.Client, email: str, password: str) -> None:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text


def _owner_conversation(stack: Stack) -> tuple[str, str, httpx.Client]:
    """demo.siret asks where their forms stand; the reply lists amounts and statuses."""
    owner = httpx.Client(base_url=stack.url, timeout=60.0)
    _login(owner, SIRET_ACCOUNT.email, SIRET_ACCOUNT.password)
    session_id = f"e2e-private-{uuid.uuid4().hex[:12]}"
    response = owner.post(
        "/api/chat", json={"session_id": session_id, "message": "où en sont mes formulaires ?"}
    )
    assert response.status_code == 200, response.text
    reply = "\n".join(m["text"] for m in response.json()["messages"])
    assert AMOUNT.search(reply), reply  # personal data: what must not leak
    return session_id, response.json()["conversation_key"], owner


def _support_csrf(client: httpx.Client) -> str:
    page = client.get("/support")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and match is not None
    return match.group(1)


def test_conversation_privacy_anonymous_and_other_user_read_nothing(stack: Stack) -> None:
    session_id, key, owner = _owner_conversation(stack)
    url = f"{stack.url}/api/chat/{session_id}/history"
    # Anonymous, with the session id only (it travels in logs and old links).
    assert httpx.get(url, timeout=30).status_code == 403
    # Another user, logged in, with the session id only.
    with httpx.Client(base_url=stack.url, timeout=60.0) as other:
        _login(other, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password)
        assert other.get(f"/api/chat/{session_id}/history").status_code == 403
        # ... and even with the key (a shared browser): the private turn is withheld.
        shared = other.get(f"/api/chat/{session_id}/history", headers={KEY_HEADER: key})
        assert shared.status_code == 200 and shared.json()["turns"] == []
        # Continuing the conversation without its key is refused.
        sent = other.post("/api/chat", json={"session_id": session_id, "message": "et alors ?"})
        assert sent.status_code == 403
    # The owner reads it back.
    mine = owner.get(f"/api/chat/{session_id}/history", headers={KEY_HEADER: key})
    assert mine.status_code == 200 and len(mine.json()["turns"]) == 1
    owner.close()


def test_conversation_privacy_anonymous_support_form_does_not_attach_it(stack: Stack) -> None:
    session_id, _, owner = _owner_conversation(stack)
    owner.close()
    with httpx.Client(base_url=stack.url, timeout=60.0) as attacker:
        token = _support_csrf(attacker)
        response = attacker.post(
            "/support",
            data={
                "csrf_token": token,
                "email": f"curieux.{uuid.uuid4().hex[:6]}@exemple.fr",
                "category": "autre",
                "description": "Je voudrais voir l'échange joint à ma demande, merci.",
                "reference": "",
                "session_id": session_id,
                "conversation_key": "",
            },
            follow_redirects=False,
        )
    assert response.status_code == 303, response.text
    number = re.search(r"numero=(SUP-\d{4}-\d{6})", response.headers["location"])
    assert number is not None
    with httpx.Client(base_url=stack.url, timeout=60.0) as agent:
        login = agent.post(
            "/api/agent/login",
            json={"email": DEMO_AGENT_EMAIL, "password": SupportSettings().demo_agent_password},
        )
        assert login.status_code == 200, login.text
        queue = agent.get("/api/agent/tickets", params={"q": number.group(1)})
        assert queue.status_code == 200, queue.text
        ticket_id = next(t["id"] for t in queue.json()["tickets"] if t["number"] == number.group(1))
        ticket = agent.get(f"/api/agent/tickets/{ticket_id}").json()
    assert ticket["chat_session_id"] is None
    assert not [m for m in ticket["messages"] if m["in_transcript"]]
    assert not AMOUNT.search(str(ticket["messages"]))


def test_conversation_privacy_logout_ends_the_session_on_the_server(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url, timeout=60.0) as client:
        _login(client, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password)
        cookie = client.cookies["cpp_session"]
        assert client.post("/api/auth/logout").status_code == 204
    replay = httpx.get(f"{stack.url}/api/auth/me", cookies={"cpp_session": cookie}, timeout=30)
    assert replay.status_code == 401


def _stored_tracker_texts(session_id: str) -> list[str]:
    """The JSON of every event Rasa's tracker store keeps for ``session_id``."""
    # the repository's endpoints, as the runner gives them to Rasa (tests/conftest.py points the
    # module's default elsewhere, so that in-process tests never touch this database)
    url = tracker_store_url(REPO_ROOT / "endpoints.yml")
    assert url is not None, "endpoints.yml names no SQL tracker store"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(EVENTS.c.data).where(EVENTS.c.sender_id == session_id))
            return [str(row[0]) for row in rows]
    finally:
        engine.dispose()


def test_conversation_privacy_rasa_keeps_the_messages_redacted(stack: Stack) -> None:
    session_id = f"e2e-redacted-{uuid.uuid4().hex[:12]}"
    typed = "je suis jean.dupont@exemple.fr, tél. 06 12 34 56 78 : comment déposer une facture ?"
    with httpx.Client(base_url=stack.url, timeout=60.0) as client:
        first = client.post("/api/chat", json={"session_id": session_id, "message": typed})
        assert first.status_code == 200, first.text
        key = first.json()["conversation_key"]
        # the conversation goes on from the stored (redacted) tracker
        second = client.post(
            "/api/chat",
            json={"session_id": session_id, "message": "et pour un avoir ?"},
            headers={KEY_HEADER: key},
        )
        assert second.status_code == 200 and second.json()["messages"], second.text
    stored = _stored_tracker_texts(session_id)
    assert any('"event": "user"' in data for data in stored), stored  # Rasa's store, not memory
    joined = "\n".join(stored)
    assert "jean.dupont" not in joined and "06 12 34 56 78" not in joined
    assert EMAIL in json.loads(next(d for d in stored if '"event": "user"' in d))["text"]

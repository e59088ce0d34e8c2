"""Status lookup through the real stack: a logged-in demo user gets their real status from the
database, another user's reference gets the not-found answer, anonymous users must log in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from assistant.chat.api_client import ConversationKeys
from portal.accounts.seed import DEMO_ACCOUNTS
from tests.e2e.conftest import Stack

SIRET_ACCOUNT, NO_SIRET_ACCOUNT = DEMO_ACCOUNTS


def _session() -> str:
    return f"e2e-status-{uuid.uuid4().hex[:12]}"


@contextmanager
def _logged_in(stack: Stack, email: str, password: str) -> Iterator[httpx.Client]:
    """A client holding the session cookie of the demo login."""
    with httpx.Client(base_url=stack.url, timeout=60.0) as client:
        response = client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        yield client


_KEYS = ConversationKeys()


def _reply(client: httpx.Client, session_id: str, message: str, **extra: str) -> str:
    response = client.post(
        "/api/chat",
        json={"session_id": session_id, "message": message, **extra},
        headers=_KEYS.headers(session_id),
    )
    _KEYS.remember(session_id, response)
    assert response.status_code == 200, response.text
    return "\n".join(m["text"] for m in response.json()["messages"])


def test_status_lookup_logged_in_user_gets_real_status(stack: Stack) -> None:
    with _logged_in(stack, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password) as client:
        session_id = _session()
        listed = _reply(client, session_id, "où en est mon mémoire ?")
        assert "MJ-2026-000123" in listed and "en cours de traitement" in listed
        assert "MJ-2026-000087" in listed and "TIC-2026-000042" not in listed
        detail = _reply(client, session_id, "et le mémoire n° MJ 2026 000087 ?")
        assert "« rejeté »" in detail and "réquisition du magistrat" in detail


def test_status_lookup_identity_token_from_the_widget(stack: Stack) -> None:
    with _logged_in(stack, SIRET_ACCOUNT.email, SIRET_ACCOUNT.password) as client:
        token = client.get("/api/auth/me").json()["identity_token"]
    with httpx.Client(base_url=stack.url, timeout=60.0) as widget:
        text = _reply(widget, _session(), "où en est ma facture fa2026-12 ?", identity_token=token)
    assert "FA-2026-000012" in text and "mis en paiement" in text


def test_status_lookup_other_users_reference_is_not_found(stack: Stack) -> None:
    with _logged_in(stack, SIRET_ACCOUNT.email, SIRET_ACCOUNT.password) as client:
        text = _reply(client, _session(), "Quel est le statut du formulaire MJ-2026-000123 ?")
    assert "Je ne trouve aucun formulaire portant la référence MJ-2026-000123" in text
    assert "en cours de traitement" not in text


def test_status_lookup_anonymous_is_told_to_log_in(stack: Stack) -> None:
    text = stack.reply_text(_session(), "Où en est mon mémoire ?")
    assert "connecté" in text and "référence" in text


def test_status_lookup_invalid_token_is_refused(stack: Stack) -> None:
    refused = httpx.post(
        f"{stack.url}/api/chat",
        json={"session_id": _session(), "message": "bonjour", "identity_token": "abc.def"},
        timeout=30,
    )
    assert refused.status_code == 401 and "reconnectez-vous" in refused.json()["detail"]

"""``POST /api/chat`` with an identity: forwarded to Rasa as metadata, or refused in French."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.assistant.conftest import FakeBackends
from tests.assistant.portal_fixtures import (
    NO_SIRET_ACCOUNT,
    SIRET_ACCOUNT,
    demo_data,
    known_secrets,
    token_for,
)

__all__ = ["demo_data", "known_secrets"]
pytestmark = pytest.mark.usefixtures("known_secrets", "demo_data")
SESSION = "session-identity-01"


def _chat(client: TestClient, **extra: object):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/chat", json={"session_id": SESSION, "message": "où en est mon mémoire ?", **extra}
    )


def test_chat_identity_token_is_verified_and_forwarded(
    client: TestClient, backends: FakeBackends
) -> None:
    token = token_for(NO_SIRET_ACCOUNT.email)
    response = _chat(client, identity_token=token, page="accueil")
    assert response.status_code == 200
    metadata = backends.sent[-1]["metadata"]
    assert metadata["page"] == "accueil"
    assert metadata["identity"]["email"] == NO_SIRET_ACCOUNT.email
    assert metadata["identity"]["siret"] is None
    assert set(metadata["identity"]) == {"sub", "email", "name", "siret", "iat", "exp"}
    assert metadata["identity_token"] == token


def test_chat_identity_from_session_cookie(client: TestClient, backends: FakeBackends) -> None:
    login = client.post(
        "/api/auth/login",
        json={"email": SIRET_ACCOUNT.email, "password": SIRET_ACCOUNT.password},
    )
    assert login.status_code == 200
    assert _chat(client).status_code == 200
    assert backends.sent[-1]["metadata"]["identity"]["siret"] == SIRET_ACCOUNT.siret


def test_chat_identity_absent_is_anonymous(client: TestClient, backends: FakeBackends) -> None:
    assert _chat(client).status_code == 200
    assert backends.sent[-1]["metadata"] == {}


def test_chat_identity_expired_token_is_401_in_french(
    client: TestClient, backends: FakeBackends
) -> None:
    token = token_for(NO_SIRET_ACCOUNT.email, ttl_s=1, now=1_000_000_000)
    response = _chat(client, identity_token=token)
    assert response.status_code == 401
    assert response.json()["detail"] == "Votre session a expiré : reconnectez-vous au portail."
    assert backends.sent == []


def test_chat_identity_tampered_token_is_401(client: TestClient, backends: FakeBackends) -> None:
    payload, signature = token_for(NO_SIRET_ACCOUNT.email).split(".")
    other_payload = token_for(SIRET_ACCOUNT.email).split(".")[0]
    response = _chat(client, identity_token=f"{other_payload}.{signature}")
    assert response.status_code == 401
    assert "reconnectez-vous" in response.json()["detail"]
    assert backends.sent == []
    assert payload != other_payload


def test_chat_identity_stale_cookie_is_refused_then_dropped(
    client: TestClient, backends: FakeBackends
) -> None:
    client.cookies.set("cpp_session", token_for(SIRET_ACCOUNT.email, ttl_s=1, now=1_000_000_000))
    response = _chat(client)
    assert response.status_code == 401
    assert 'cpp_session=""' in response.headers["set-cookie"]

"""Demo login: session cookie flags, /me, logout, French errors, rate limit and lockout."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from assistant.accounts.repository import create_user
from assistant.config import Settings
from assistant.db import get_sessionmaker
from assistant.identity import verify_token
from tests.assistant.portal_fixtures import (
    IDENTITY_SECRET,
    NO_SIRET_ACCOUNT,
    SIRET_ACCOUNT,
    demo_data,
    known_secrets,
)

__all__ = ["demo_data", "known_secrets"]
pytestmark = pytest.mark.usefixtures("known_secrets", "demo_data")


def _login(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_auth_login_sets_signed_httponly_cookie(client: TestClient) -> None:
    response = _login(client, SIRET_ACCOUNT.email, SIRET_ACCOUNT.password)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == SIRET_ACCOUNT.email and body["siret"] == SIRET_ACCOUNT.siret
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cpp_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # plain http in tests
    token = response.cookies["cpp_session"]
    assert token == body["identity_token"]
    claims = verify_token(token, IDENTITY_SECRET.encode())
    assert claims.sub == body["sub"] and claims.name == SIRET_ACCOUNT.name


def test_auth_login_over_https_sets_secure_cookie(settings: Settings, client: TestClient) -> None:
    https = TestClient(client.app, base_url="https://testserver")
    response = _login(https, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password)
    assert response.status_code == 200
    assert "Secure" in response.headers["set-cookie"]
    assert response.json()["siret"] is None


def test_auth_login_email_is_case_insensitive(client: TestClient) -> None:
    response = _login(client, "  " + SIRET_ACCOUNT.email.upper(), SIRET_ACCOUNT.password)
    assert response.status_code == 200


def test_auth_login_wrong_password_and_unknown_email_look_the_same(client: TestClient) -> None:
    wrong = _login(client, SIRET_ACCOUNT.email, "pas-le-bon")
    unknown = _login(client, "personne@exemple.fr", "pas-le-bon")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {"detail": "Adresse électronique ou mot de passe incorrect."}
    )
    assert "set-cookie" not in wrong.headers


def test_auth_login_missing_field_is_explained_in_french(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"email": "a@exemple.fr"})
    assert response.status_code == 422
    assert "Il manque" in response.json()["detail"]


def test_auth_me_returns_identity_then_logout_forgets_it(client: TestClient) -> None:
    assert client.get("/api/auth/me").status_code == 401
    _login(client, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password)
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["name"] == NO_SIRET_ACCOUNT.name
    assert client.post("/api/auth/logout").status_code == 204
    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "Vous n'êtes pas connecté."


def test_auth_me_with_tampered_cookie_is_401(client: TestClient) -> None:
    _login(client, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password)
    token = client.cookies["cpp_session"]
    client.cookies.clear()
    client.cookies.set("cpp_session", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert "reconnectez-vous" in response.json()["detail"]


def test_auth_account_locked_after_repeated_failures(client: TestClient) -> None:
    email = f"verrou-{uuid.uuid4().hex[:8]}@exemple.fr"
    with get_sessionmaker()() as session:
        create_user(session, email=email, name="Test Verrou", password="Bon-Mot-2026!")
    for _ in range(4):
        assert _login(client, email, "mauvais").status_code == 401
    locked = _login(client, email, "mauvais")
    assert locked.status_code == 429
    assert "temporairement bloqué" in locked.json()["detail"]
    # Even the right password is refused while the account is locked.
    assert _login(client, email, "Bon-Mot-2026!").status_code == 429


def test_auth_login_rate_limited_per_client(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LOGIN_RATE_LIMIT_PER_CLIENT", "3")
    from assistant.config import get_settings

    get_settings.cache_clear()
    statuses = [_login(client, "x@exemple.fr", "y").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert "patientez" in _login(client, "x@exemple.fr", "y").json()["detail"]

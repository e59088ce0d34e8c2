"""Demo login: session cookie flags, /me, logout, French errors, rate limit and lockout."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings, get_settings
from assistant.routes.auth import TOO_MANY
from portal.accounts.repository import create_user
from portal.accounts.revocations import LoggedOut
from portal.identity import identity_secret, sign_identity, verify_token
from storage.db import get_sessionmaker
from tests.assistant.portal_fixtures import (
    IDENTITY_SECRET,
    NO_SIRET_ACCOUNT,
    SIRET_ACCOUNT,
    demo_data,
    known_secrets,
)
from tests.limiter_clock import ClockedLimiter, FakeClock

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


def test_auth_logout_revokes_the_session_token_on_the_server(client: TestClient) -> None:
    """A copy of the cookie taken before « Se déconnecter » (another tab, a stolen value)
    no longer opens the session: not on /me, not as the chat's identity."""
    _login(client, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password)
    token = client.cookies["cpp_session"]
    assert client.post("/api/auth/logout").status_code == 204
    client.cookies.clear()
    client.cookies.set("cpp_session", token)
    replayed = client.get("/api/auth/me")
    assert replayed.status_code == 401
    assert replayed.json()["detail"] == LoggedOut.detail
    client.cookies.clear()
    chat = client.post(
        "/api/chat",
        json={
            "session_id": f"session-logout-{uuid.uuid4().hex[:8]}",
            "message": "où en sont mes formulaires ?",
            "identity_token": token,
        },
    )
    assert chat.status_code == 401 and chat.json()["detail"] == LoggedOut.detail


def test_auth_logout_leaves_other_sessions_of_the_user_open(client: TestClient) -> None:
    _login(client, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password)
    first = client.cookies["cpp_session"]
    other = TestClient(client.app)
    token = verify_token(first, identity_secret(get_settings()))
    second = sign_identity(
        identity_secret(get_settings()),
        sub=token.sub,
        email=token.email,
        name=token.name,
        siret=token.siret,
        ttl_s=600,
        now=token.iat + 1,
    )
    assert client.post("/api/auth/logout").status_code == 204
    other.cookies.set("cpp_session", second)
    assert other.get("/api/auth/me").status_code == 200


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


def _clocked_login_limiter(client: TestClient, limit: int) -> FakeClock:
    clock = FakeClock()
    client.app.state.rate_limiters["login"] = ClockedLimiter(limit, clock)  # type: ignore[attr-defined]
    return clock


def test_auth_login_rate_limit_default_is_20_a_minute(client: TestClient) -> None:
    """The limiter is built on first use from ``login_rate_limit_per_client`` (20 a minute)."""
    assert Settings.model_fields["login_rate_limit_per_client"].default == 20
    assert _login(client, "x@exemple.fr", "y").status_code == 401
    limiter = client.app.state.rate_limiters["login"]  # type: ignore[attr-defined]
    assert limiter.limit == get_settings().login_rate_limit_per_client
    assert limiter.window_s == 60.0
    for _ in range(limiter.limit - 2):  # as if more attempts had just come from this address
        assert limiter.allow("testclient")
    assert _login(client, "x@exemple.fr", "y").status_code == 401  # the last one allowed
    assert _login(client, "x@exemple.fr", "y").status_code == 429


def test_auth_login_rate_limited_per_client(client: TestClient) -> None:
    _clocked_login_limiter(client, 3)
    statuses = [_login(client, f"x{i}@exemple.fr", "y").status_code for i in range(3)]
    assert statuses == [401, 401, 401]
    refused = _login(client, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password)
    assert refused.status_code == 429  # even the right password, from this address
    assert refused.json() == {"detail": TOO_MANY}
    assert TOO_MANY == (
        "Trop de tentatives de connexion depuis votre adresse : patientez une minute."
    )
    assert "set-cookie" not in refused.headers


def test_auth_login_rate_limit_window_boundary(client: TestClient) -> None:
    clock = _clocked_login_limiter(client, 2)
    assert _login(client, "x@exemple.fr", "y").status_code == 401
    clock.advance(30.0)
    assert _login(client, "x@exemple.fr", "y").status_code == 401
    clock.advance(30.0 - 1e-3)  # just before the first attempt leaves the window
    assert _login(client, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password).status_code == 429
    clock.advance(1e-3)  # exactly one window after it
    assert _login(client, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password).status_code == 200
    assert _login(client, "x@exemple.fr", "y").status_code == 429


def test_auth_login_rate_limit_other_address_is_not_limited(client: TestClient) -> None:
    _clocked_login_limiter(client, 1)
    assert _login(client, "x@exemple.fr", "y").status_code == 401
    assert _login(client, "x@exemple.fr", "y").status_code == 429
    other = TestClient(client.app, client=("192.0.2.44", 50000))
    assert _login(other, NO_SIRET_ACCOUNT.email, NO_SIRET_ACCOUNT.password).status_code == 200


def test_auth_login_rate_limited_says_when_to_retry(client: TestClient) -> None:
    clock = _clocked_login_limiter(client, 2)
    assert _login(client, "x@exemple.fr", "y").status_code == 401
    clock.advance(30.0)
    assert _login(client, "x@exemple.fr", "y").status_code == 401
    clock.advance(10.0)
    refused = _login(client, "x@exemple.fr", "y")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "20"  # the first attempt leaves the window then

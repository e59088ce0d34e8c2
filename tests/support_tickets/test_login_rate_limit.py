"""Agent logins are rate-limited per client address, on the JSON API and the console form alike
(the account lockout of ``auth.authenticate`` protects one account, this limit many).

Time is driven by hand (``tests.limiter_clock``): no sleeps, no timed assertions.
"""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from assistant.routes.auth import TOO_MANY as PORTAL_TOO_MANY
from support_tickets.api import TOO_MANY_LOGINS
from support_tickets.config import SupportSettings, get_support_settings
from support_tickets.models import Agent
from tests.limiter_clock import ClockedLimiter, FakeClock
from tests.support_tickets.conftest import AGENT_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _clocked(client: TestClient, limit: int) -> FakeClock:
    clock = FakeClock()
    client.app.state.rate_limiters["agent_login"] = ClockedLimiter(limit, clock)  # type: ignore[attr-defined]
    return clock


def _api_login(client: TestClient, email: str, password: str) -> httpx.Response:
    return client.post("/api/agent/login", json={"email": email, "password": password})


def _console_login(client: TestClient, email: str, password: str) -> httpx.Response:
    page = client.get("/console/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    return client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_agent_login_rate_limit_message_is_the_portals() -> None:
    assert TOO_MANY_LOGINS == PORTAL_TOO_MANY
    assert TOO_MANY_LOGINS == (
        "Trop de tentatives de connexion depuis votre adresse : patientez une minute."
    )


def test_agent_login_rate_limit_default_is_20_a_minute(client: TestClient, agent: Agent) -> None:
    """The limiter is built on first use from ``login_rate_limit_per_client`` (20 a minute)."""
    assert SupportSettings.model_fields["login_rate_limit_per_client"].default == 20
    assert _api_login(client, agent.email, AGENT_PASSWORD).status_code == 200
    limiter = client.app.state.rate_limiters["agent_login"]  # type: ignore[attr-defined]
    assert limiter.limit == get_support_settings().login_rate_limit_per_client
    assert limiter.window_s == 60.0
    for _ in range(limiter.limit - 2):  # as if more attempts had just come from this address
        assert limiter.allow("testclient")
    assert _api_login(client, agent.email, AGENT_PASSWORD).status_code == 200  # the last one
    assert _api_login(client, agent.email, AGENT_PASSWORD).status_code == 429


def test_agent_login_rate_limit_api_answers_429_in_french(client: TestClient, agent: Agent) -> None:
    """Three failures on three accounts, then even the right password is refused for now."""
    _clocked(client, 3)
    for email in ("a@exemple.fr", "b@exemple.fr", agent.email):
        assert _api_login(client, email, "mauvais-mot-de-passe").status_code == 401
    refused = _api_login(client, agent.email, AGENT_PASSWORD)
    assert refused.status_code == 429
    assert refused.json() == {"detail": TOO_MANY_LOGINS}
    assert refused.headers["Retry-After"] == "60"
    assert "set-cookie" not in refused.headers


def test_agent_login_rate_limit_api_window_boundary(client: TestClient, agent: Agent) -> None:
    clock = _clocked(client, 2)
    assert _api_login(client, agent.email, "mauvais-mot-de-passe").status_code == 401
    clock.advance(20.0)
    assert _api_login(client, agent.email, "mauvais-mot-de-passe").status_code == 401
    clock.advance(40.0 - 1e-3)  # just before the first attempt leaves the window
    refused = _api_login(client, agent.email, AGENT_PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    clock.advance(1e-3)  # exactly one window after the first attempt
    assert _api_login(client, agent.email, AGENT_PASSWORD).status_code == 200
    refused = _api_login(client, agent.email, AGENT_PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"


def test_agent_login_rate_limit_console_form_answers_429(client: TestClient, agent: Agent) -> None:
    _clocked(client, 1)
    assert _console_login(client, agent.email, "mauvais-mot-de-passe").status_code == 401
    refused = _console_login(client, agent.email, AGENT_PASSWORD)
    assert refused.status_code == 429
    assert TOO_MANY_LOGINS in refused.text
    assert refused.headers["Retry-After"] == "60"
    assert "agent_session" not in client.cookies
    assert CSRF.search(refused.text)  # the form is shown again, with a fresh token


def test_agent_login_rate_limit_console_window_boundary(client: TestClient, agent: Agent) -> None:
    clock = _clocked(client, 1)
    assert _console_login(client, agent.email, "mauvais-mot-de-passe").status_code == 401
    clock.advance(60.0 - 1e-3)
    assert _console_login(client, agent.email, AGENT_PASSWORD).status_code == 429
    clock.advance(1e-3)
    landing = _console_login(client, agent.email, AGENT_PASSWORD)
    assert landing.status_code == 303 and "agent_session" in client.cookies


def test_agent_login_rate_limit_shared_by_api_and_console(client: TestClient, agent: Agent) -> None:
    """Switching from the API to the form (or back) does not give a fresh allowance."""
    _clocked(client, 2)
    assert _api_login(client, agent.email, "mauvais-mot-de-passe").status_code == 401
    assert _console_login(client, agent.email, "mauvais-mot-de-passe").status_code == 401
    assert _api_login(client, agent.email, AGENT_PASSWORD).status_code == 429
    assert _console_login(client, agent.email, AGENT_PASSWORD).status_code == 429


def test_agent_login_rate_limit_other_address_is_not_limited(
    client: TestClient, agent: Agent
) -> None:
    _clocked(client, 1)
    assert _api_login(client, agent.email, "mauvais-mot-de-passe").status_code == 401
    assert _api_login(client, agent.email, AGENT_PASSWORD).status_code == 429
    other = TestClient(client.app, client=("198.51.100.4", 50000))
    assert _api_login(other, agent.email, AGENT_PASSWORD).status_code == 200


def test_agent_login_rate_limit_counts_before_the_account_lockout(
    client: TestClient, agent: Agent
) -> None:
    """A refused attempt never reaches the password check: it cannot lock the account."""
    _clocked(client, 1)
    assert _api_login(client, agent.email, AGENT_PASSWORD).status_code == 200
    for _ in range(10):
        assert _api_login(client, agent.email, "mauvais-mot-de-passe").status_code == 429
    other = TestClient(client.app, client=("198.51.100.5", 50000))
    assert _api_login(other, agent.email, AGENT_PASSWORD).status_code == 200

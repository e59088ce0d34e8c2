"""Schemathesis against the app's OpenAPI schema, in process (ASGI, no server): every operation
of the schema, anonymously and as a logged-in agent, answers without a 5xx, with a status
code its schema documents and a body that matches the documented one.

The run is bounded and deterministic: ``MAX_EXAMPLES`` generated cases per operation in the
fuzzing phase, besides the schema's examples and the coverage phase's boundary cases; a fixed
seed, no example database. It runs on a throw-away SQLite database of its own, with Rasa and
the action server replaced by the scripted transport of the web-app tests.
Nothing is excluded: logging out (``POST /api/agent/logout``) is fuzzed too, and the agent
logs in again when it succeeded, so the operations after it still run with a session.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from assistant.config import Settings, get_settings
from assistant.main import create_app
from portal.accounts.seed import seed_demo
from portal.settings import get_portal_settings
from storage.db import get_engine, get_sessionmaker
from storage.migrate import upgrade
from support_tickets import service
from support_tickets.auth import create_agent
from support_tickets.canned import seed_canned_responses
from support_tickets.config import get_support_settings
from support_tickets.similarity import LexicalSimilarity, get_similarity
from support_tickets.web_auth import CSRF_HEADER
from tests.assistant.conftest import FakeBackends

MAX_EXAMPLES = 50
SEED = 20261206
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
AGENT_PASSWORD = "mot-de-passe-fuzz-01"
LOGOUT = ("POST", "/api/agent/logout")
# The fuzzed app: Rasa faked, the rate limits out of reach (their 429 is tested on its own;
# here the fuzzer must reach the routes' logic, not the limiters). The chat's limits are the
# app's settings, the others are read from the environment when a route runs.
NO_LIMIT = 1_000_000
SETTINGS = Settings(
    rasa_url="http://rasa.test",
    action_server_url="http://actions.test",
    rasa_token="secret",  # the health probe asks FakeBackends for Rasa's /status
    rate_limit_per_session=NO_LIMIT,
    rate_limit_per_client=NO_LIMIT,
)
ENVIRONMENT = {
    "ASSISTANT_LOGIN_RATE_LIMIT_PER_CLIENT": str(NO_LIMIT),
    "SUPPORT_LOGIN_RATE_LIMIT_PER_CLIENT": str(NO_LIMIT),
    "ASSISTANT_IDENTITY_SECRET": "fuzz-identity-secret-0123456789abcdef",
    "ASSISTANT_PORTAL_API_KEY": "fuzz-portal-key-0123456789",
}

# The schema is read once, at import, from the app that every test of this module fuzzes;
# its routes read their settings and database when called, so fuzz_database() below points
# them at the module's own database. (The lazy loader, schemathesis.pytest.from_fixture,
# does not run on pytest 9 yet.)
APP = create_app(SETTINGS, transport=httpx.MockTransport(FakeBackends().handle))
schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    APP,
    config=SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            # The only health check that depends on the machine's speed, not on the data.
            "suppress-health-check": ["too_slow"],
        }
    ),
)


def _clear_caches() -> None:
    for cached in (
        get_settings,
        get_portal_settings,
        get_support_settings,
        get_engine,
        get_sessionmaker,
        get_similarity,
    ):
        cached.cache_clear()


def _seed() -> str:
    """Canned responses, the demo portal data, a supervisor and a few tickets (one of them a
    probable duplicate) for the fuzzer to find; returns the supervisor's e-mail."""
    with get_sessionmaker()() as db:
        seed_canned_responses(db)
        seed_demo(db)
        email = f"superviseur.{uuid.uuid4().hex[:8]}@exemple.fr"
        create_agent(db, email=email, name="Sup Fuzz", role="supervisor", password=AGENT_PASSWORD)
        for description in (
            "Je ne peux plus me connecter à mon compte depuis ce matin.",
            "Impossible de me connecter à mon compte depuis ce matin.",
            "Ma facture déposée hier n'apparaît pas dans la liste.",
        ):
            service.create_ticket(
                db, email="usager.fuzz@exemple.fr", category="compte", description=description
            )
    return email


@pytest.fixture(scope="module", autouse=True)
def fuzz_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fuzzed app's own throw-away database, migrated and seeded, and its environment;
    yields the supervisor's e-mail. The app's lifespan (HTTP client, health probe) restarts
    with the first request, on this database."""
    path: Path = tmp_path_factory.mktemp("api-fuzz") / "fuzz.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{path}")
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        patch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)
        _clear_caches()
        shutdown_lifespans()  # the one started to read the schema, on the tests' database
        upgrade()
        try:
            yield _seed()
        finally:
            shutdown_lifespans()
            get_engine().dispose()
    _clear_caches()


@dataclass
class AgentLogin:
    """The agent's console session: its cookie and its CSRF header, renewed after a logout."""

    app: FastAPI
    email: str
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def log_in(self) -> None:
        client = TestClient(self.app)  # no lifespan: the login needs none
        response = client.post(
            "/api/agent/login", json={"email": self.email, "password": AGENT_PASSWORD}
        )
        assert response.status_code == 200, response.text
        name = get_support_settings().session_cookie
        self.cookies = {name: response.cookies[name]}
        self.headers = {CSRF_HEADER: response.json()["csrf_token"]}


@pytest.fixture(scope="module")
def agent_login(fuzz_database: str) -> AgentLogin:
    login = AgentLogin(APP, fuzz_database)
    login.log_in()
    return login


@schema.parametrize()
def test_openapi_anonymous_conforms(case: Case) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
def test_openapi_agent_conforms(case: Case, agent_login: AgentLogin) -> None:
    response = case.call_and_validate(
        headers=agent_login.headers, cookies=agent_login.cookies, checks=CHECKS
    )
    if (case.method.upper(), case.path) == LOGOUT and response.status_code == 204:
        agent_login.log_in()

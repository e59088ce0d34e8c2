"""Security headers and CORS."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.main import create_app
from tests.assistant.conftest import FakeBackends

PAGES = ("/", "/docs", "/support", "/console/login")


def test_security_headers_on_every_response(client: TestClient) -> None:
    response = client.get("/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", [*PAGES, "/health", "/api/docs"])
def test_security_no_page_can_be_framed(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    directives = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    assert "frame-ancestors 'none'" in directives


@pytest.mark.parametrize("path", PAGES)
def test_security_pages_allow_scripts_from_this_origin_only(client: TestClient, path: str) -> None:
    response = client.get(path)
    directives = dict(
        d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";")
    )
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["form-action"] == "'self'"


@pytest.mark.parametrize("path", PAGES)
def test_security_pages_have_no_inline_script(client: TestClient, path: str) -> None:
    """The policy forbids inline scripts: a page that had one would break in browsers."""
    html = client.get(path).text
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, path
    assert all(" src=" in tag for tag in scripts), scripts
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


def test_security_cors_only_for_configured_origins(backends: FakeBackends) -> None:
    settings = Settings(
        rasa_url="http://rasa.test",
        action_server_url="http://actions.test",
        cors_allowed_origins="https://portail.example.gouv.fr",
    )
    app = create_app(settings, transport=httpx.MockTransport(backends.handle))
    with TestClient(app) as client:
        allowed = client.options(
            "/api/chat",
            headers={
                "Origin": "https://portail.example.gouv.fr",
                "Access-Control-Request-Method": "POST",
            },
        )
        refused = client.options(
            "/api/chat",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    assert allowed.headers["access-control-allow-origin"] == "https://portail.example.gouv.fr"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in refused.headers

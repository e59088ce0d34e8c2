"""Security headers and CORS."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.main import create_app
from tests.assistant.conftest import FakeBackends


def test_security_headers_on_every_response(client: TestClient) -> None:
    response = client.get("/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in response.headers


def test_security_console_and_support_refuse_framing(client: TestClient) -> None:
    for path in ("/support", "/console/login"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


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

"""``GET /health``: every component's state; 503 when one is down."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from tests.assistant.conftest import FakeBackends


def test_health_all_components_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {"web", "rasa", "action_server", "database"}
    assert body["components"]["database"]["dialect"] == "sqlite"


def test_health_rasa_down_is_degraded(client: TestClient, backends: FakeBackends) -> None:
    backends.rasa_reply = httpx.ConnectError("refused")
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["components"]["rasa"]["status"] == "down"
    assert response.json()["components"]["web"]["status"] == "ok"


def test_health_action_server_down_is_degraded(client: TestClient, backends: FakeBackends) -> None:
    backends.action_server_up = False
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["components"]["action_server"]["status"] == "down"


def test_health_live_stays_200_when_rasa_and_actions_are_down(
    client: TestClient, backends: FakeBackends
) -> None:
    backends.rasa_reply = httpx.ConnectError("refused")
    backends.action_server_up = False
    assert client.get("/health").status_code == 503
    live = client.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}

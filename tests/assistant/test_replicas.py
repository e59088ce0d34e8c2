"""The gateway across Rasa replicas (issue 17): a stable replica per conversation, an even
spread, the next replica when one cannot be reached, « indisponible » only when none
answers, and the health report that counts the replicas.

The replicas are faked at the HTTP level (``httpx.MockTransport`` routing by port); the
gateway, the app and its health probe are the real ones.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.chat.gateway import RasaGateway, RasaUnavailable
from assistant.chat.messages import UNAVAILABLE_TEXT
from assistant.chat.replicas import ReplicatedGateway, make_gateway, replica_order
from assistant.config import Settings
from assistant.main import create_app
from tests.widget_client import WidgetClient

REPLICAS = ["http://127.0.0.1:8282", "http://127.0.0.1:8283"]
SESSIONS = 1000
FAIR_SHARE = (0.40, 0.60)  # each of 2 replicas takes between 40 % and 60 % of the sessions


class FakeReplicas:
    """Rasa replicas and action servers answering by port; a port in ``down`` refuses."""

    def __init__(self) -> None:
        self.down: set[int] = set()
        self.read_timeout: set[int] = set()
        self.received: list[tuple[int, str]] = []  # (replica port, sender) per message

    def handle(self, request: httpx.Request) -> httpx.Response:
        port = request.url.port or 80
        if port in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if port in self.read_timeout:
            raise httpx.ReadTimeout("no answer", request=request)
        if request.url.path == "/webhooks/rest/webhook":
            sender = json.loads(request.content)["sender"]
            self.received.append((port, sender))
            return httpx.Response(200, json=[{"text": f"Réponse de {port}"}])
        if request.url.path in {"/status", "/health"}:
            return httpx.Response(200, json={"model_file": "assistant.tar.gz"})
        return httpx.Response(404)


@pytest.fixture
def replicas() -> FakeReplicas:
    return FakeReplicas()


def _gateway(replicas: FakeReplicas) -> ReplicatedGateway:
    client = httpx.AsyncClient(transport=httpx.MockTransport(replicas.handle))
    return ReplicatedGateway(client, REPLICAS, 5.0, "jeton")


def _port_of(session_id: str) -> int:
    return int(replica_order(session_id, REPLICAS)[0].rsplit(":", 1)[1])


def test_replica_order_is_stable_and_holds_every_replica() -> None:
    for i in range(50):
        order = replica_order(f"session-{i}", REPLICAS)
        assert sorted(order) == sorted(REPLICAS)
        assert replica_order(f"session-{i}", list(reversed(REPLICAS))) == order


async def test_replicas_same_session_always_goes_to_the_same_replica(
    replicas: FakeReplicas,
) -> None:
    gateway = _gateway(replicas)
    for i in range(20):
        for _ in range(3):
            await gateway.send(f"session-stable-{i:03d}", "bonjour")
    by_session: dict[str, set[int]] = {}
    for port, sender in replicas.received:
        by_session.setdefault(sender, set()).add(port)
    assert len(by_session) == 20
    assert all(len(ports) == 1 for ports in by_session.values())
    assert {s: ports.pop() for s, ports in by_session.items()} == {
        s: _port_of(s) for s in by_session
    }


async def test_replicas_sessions_spread_evenly(replicas: FakeReplicas) -> None:
    gateway = _gateway(replicas)
    for i in range(SESSIONS):
        await gateway.send(f"session-spread-{i:04d}", "bonjour")
    shares = Counter(port for port, _ in replicas.received)
    assert set(shares) == {8282, 8283}
    low, high = FAIR_SHARE
    assert all(low * SESSIONS <= n <= high * SESSIONS for n in shares.values()), shares


async def test_replicas_failover_to_the_other_replica_on_connect_error(
    replicas: FakeReplicas,
) -> None:
    gateway = _gateway(replicas)
    sessions = [f"session-failover-{i:02d}" for i in range(20)]
    replicas.down = {8282}
    for session_id in sessions:
        reply = await gateway.send(session_id, "bonjour")
        assert [m.text for m in reply.messages] == ["Réponse de 8283"]
    assert {port for port, _ in replicas.received} == {8283}
    assert {_port_of(s) for s in sessions} == {8282, 8283}  # half of them had 8282 first
    replicas.down = set()
    replicas.received.clear()
    for session_id in sessions:  # back on its own replica when it answers again
        await gateway.send(session_id, "bonjour")
    assert replicas.received == [(_port_of(s), s) for s in sessions]


async def test_replicas_every_replica_down_is_unavailable(replicas: FakeReplicas) -> None:
    replicas.down = {8282, 8283}
    with pytest.raises(RasaUnavailable, match="every replica: unreachable"):
        await _gateway(replicas).send("session-all-down", "bonjour")


async def test_replicas_read_timeout_is_not_sent_to_another_replica(
    replicas: FakeReplicas,
) -> None:
    # The replica took the message and may still handle it: no second handling elsewhere.
    session_id = "session-slow-replica"
    replicas.read_timeout = {_port_of(session_id)}
    with pytest.raises(RasaUnavailable, match="^timeout$"):
        await _gateway(replicas).send(session_id, "bonjour")
    assert replicas.received == []


def test_replicas_make_gateway_one_replica_is_the_plain_gateway() -> None:
    client = httpx.AsyncClient()
    assert type(make_gateway(client, Settings())) is RasaGateway
    several = make_gateway(client, Settings(rasa_url=REPLICAS[0], rasa_replicas=2))
    assert isinstance(several, ReplicatedGateway)
    assert sorted(several.replicas) == REPLICAS


@pytest.fixture
def app_client(replicas: FakeReplicas) -> Iterator[TestClient]:
    settings = Settings(
        rasa_url=REPLICAS[0],
        action_server_url="http://127.0.0.1:8284",
        rasa_replicas=2,
        rasa_token="jeton",
    )
    app = create_app(settings, transport=httpx.MockTransport(replicas.handle))
    with WidgetClient(app) as client:
        yield client


def test_replicas_chat_says_unavailable_only_when_both_are_down(
    app_client: TestClient, replicas: FakeReplicas
) -> None:
    session_id = f"session-chat-replicas-{uuid.uuid4().hex[:12]}"
    replicas.down = {_port_of(session_id)}
    answer = app_client.post("/api/chat", json={"session_id": session_id, "message": "bonjour"})
    assert answer.status_code == 200
    assert UNAVAILABLE_TEXT not in answer.text
    replicas.down = {8282, 8283}
    answer = app_client.post("/api/chat", json={"session_id": session_id, "message": "bonjour"})
    assert answer.status_code == 200
    assert [m["text"] for m in answer.json()["messages"]] == [UNAVAILABLE_TEXT]


def test_replicas_health_counts_the_replicas(
    app_client: TestClient, replicas: FakeReplicas
) -> None:
    body = app_client.get("/health").json()
    assert body["components"]["rasa"] == {"status": "ok", "replicas": 2, "up": 2}
    assert body["components"]["action_server"]["replicas"] == 2
    replicas.down = {8283, 8285}
    response = app_client.get("/health")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["rasa"] == {"status": "degraded", "replicas": 2, "up": 1}
    assert components["action_server"] == {"status": "degraded", "replicas": 2, "up": 1}
    replicas.down = {8282, 8283}
    assert app_client.get("/health").json()["components"]["rasa"]["status"] == "down"

"""``POST /api/chat``: relaying, French errors for bad inputs, and Rasa failures."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.config import Settings
from portal.conversations.models import ChatTurn
from storage.db import get_sessionmaker
from tests.assistant.conftest import FakeBackends
from tests.limiter_clock import ClockedLimiter, FakeClock
from tests.widget_client import WidgetClient

SESSION = "session-test-0001"
RATE_LIMITED = "Vous avez envoyé trop de messages en peu de temps. Patientez une minute."


def _post(client: TestClient, message: str, session_id: str = SESSION) -> httpx.Response:
    return client.post("/api/chat", json={"session_id": session_id, "message": message})


def test_chat_relays_rasa_reply(client: TestClient, backends: FakeBackends) -> None:
    backends.rasa_reply = [
        {"recipient_id": SESSION, "text": "Bonjour, je suis Claude."},
        {
            "recipient_id": SESSION,
            "text": "Que souhaitez-vous ?",
            "buttons": [{"title": "Oui", "payload": "/affirm"}],
        },
    ]
    response = _post(client, "bonjour")
    assert response.status_code == 200
    body = response.json()
    assert body["session_id"] == SESSION
    assert body["messages"][0] == {"text": "Bonjour, je suis Claude.", "buttons": [], "links": []}
    assert body["messages"][1]["buttons"] == [{"title": "Oui", "payload": "/affirm"}]
    assert backends.sent[-1] == {"sender": SESSION, "message": "bonjour", "metadata": {}}


def test_chat_attaches_custom_links_to_previous_text(
    client: TestClient, backends: FakeBackends
) -> None:
    backends.rasa_reply = [
        {"text": "Le portail est gratuit.\n\nSource : Présentation — Tarif"},
        {
            "custom": {
                "links": [{"title": "Présentation — Tarif", "url": "/docs/p#tarif"}],
                "kb": {"decision": "answer", "hits": [{"id": "x", "score": 0.9}]},
            }
        },
    ]
    response = _post(client, "c'est payant ?", "session-links-01")
    messages = response.json()["messages"]
    assert len(messages) == 1
    assert messages[0]["links"] == [{"title": "Présentation — Tarif", "url": "/docs/p#tarif"}]
    assert "kb" not in response.text
    with get_sessionmaker()() as session:
        turn = session.scalars(
            select(ChatTurn).where(ChatTurn.session_id == "session-links-01")
        ).one()
    assert turn.kb == [{"decision": "answer", "hits": [{"id": "x", "score": 0.9}]}]
    assert turn.outcome == "answered"
    assert turn.intent == "greet"  # read back from Rasa's tracker after the reply


def test_chat_empty_message_is_rejected_in_french(client: TestClient) -> None:
    response = _post(client, "   ")
    assert response.status_code == 422
    assert response.json()["detail"] == "Le message est vide : veuillez saisir votre question."


def test_chat_too_long_message_is_rejected_in_french(client: TestClient) -> None:
    response = _post(client, "a" * 2001)
    assert response.status_code == 422
    assert "trop long (2001 caractères)" in response.json()["detail"]
    assert "2000 caractères au maximum" in response.json()["detail"]


def test_chat_message_of_exactly_the_limit_is_accepted(client: TestClient) -> None:
    assert _post(client, "a" * 2000).status_code == 200


def test_chat_invalid_json_is_rejected_in_french(client: TestClient) -> None:
    response = client.post(
        "/api/chat", content=b'{"session_id": "abc', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Le corps de la requête n'est pas un JSON valide."


def test_chat_missing_field_is_rejected_in_french(client: TestClient) -> None:
    response = client.post("/api/chat", json={"session_id": SESSION})
    assert response.status_code == 422
    assert response.json()["detail"] == "La requête est invalide : Il manque le message."
    assert response.json()["errors"] == [{"field": "message", "message": "Il manque le message."}]


def test_chat_non_string_message_is_rejected_in_french(client: TestClient) -> None:
    response = client.post("/api/chat", json={"session_id": SESSION, "message": 42})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "La requête est invalide : Le format du message est invalide : une chaîne de "
        "caractères est attendue."
    )


def test_chat_body_not_an_object_is_rejected_in_french(client: TestClient) -> None:
    response = client.post("/api/chat", json=["bonjour"])
    assert response.status_code == 400
    assert response.json()["detail"] == "Le corps de la requête doit être un objet JSON."


def test_chat_invalid_session_id_is_rejected_in_french(client: TestClient) -> None:
    response = _post(client, "bonjour", session_id="a b")
    assert response.status_code == 422
    assert "identifiant de session est invalide" in response.json()["detail"]


def test_chat_rasa_unreachable_answers_unavailable(
    client: TestClient, backends: FakeBackends
) -> None:
    backends.rasa_reply = httpx.ConnectError("connection refused")
    response = _post(client, "bonjour")
    assert response.status_code == 200
    message = response.json()["messages"][0]
    assert "momentanément indisponible" in message["text"]
    assert "« support »" in message["text"]
    assert message["links"] == [{"title": "Formulaire « support »", "url": "/support"}]


def test_chat_rasa_timeout_answers_unavailable(client: TestClient, backends: FakeBackends) -> None:
    backends.rasa_reply = httpx.ReadTimeout("too slow")
    response = _post(client, "bonjour")
    assert response.status_code == 200
    assert "momentanément indisponible" in response.json()["messages"][0]["text"]


def test_chat_rasa_error_status_answers_unavailable(
    client: TestClient, backends: FakeBackends
) -> None:
    backends.rasa_status = 500
    response = _post(client, "bonjour")
    assert response.status_code == 200
    assert "momentanément indisponible" in response.json()["messages"][0]["text"]


def test_chat_empty_reply_with_action_server_down_answers_unavailable(
    client: TestClient, backends: FakeBackends
) -> None:
    backends.rasa_reply = []
    backends.action_server_up = False
    response = _post(client, "le portail est-il gratuit ?")
    assert response.status_code == 200
    assert "momentanément indisponible" in response.json()["messages"][0]["text"]


def test_chat_empty_reply_with_action_server_up_asks_to_rephrase(
    client: TestClient, backends: FakeBackends
) -> None:
    backends.rasa_reply = []
    response = _post(client, "euh")
    assert "reformuler" in response.json()["messages"][0]["text"]


def test_chat_rate_limit_answers_429_in_french(client: TestClient) -> None:
    statuses = [_post(client, f"message {i}", "session-flood-01").status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    response = _post(client, "encore", "session-flood-01")
    assert response.json() == {"detail": RATE_LIMITED, "errors": []}
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def _clocked_limits(
    client: TestClient, clock: FakeClock, per_session: int = 5, per_client: int = 120
) -> dict[str, ClockedLimiter]:
    """Put the app's chat limiters on ``clock`` (same limits as configured by default)."""
    limiters = {
        "session": ClockedLimiter(per_session, clock),
        "client": ClockedLimiter(per_client, clock),
    }
    client.app.state.rate_limiters = limiters  # type: ignore[attr-defined]
    return limiters


def test_chat_rate_limit_per_session_window_boundary(client: TestClient) -> None:
    clock = FakeClock()
    _clocked_limits(client, clock)
    for i in range(5):
        assert _post(client, f"message {i}", "session-window-01").status_code == 200
        clock.advance(1.0)  # messages at 0, 1, 2, 3 and 4 s
    clock.now = 1000.0 + 60.0 - 1e-3  # just before the first message leaves the window
    refused = _post(client, "trop tôt", "session-window-01")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    clock.now = 1000.0 + 60.0  # exactly one window after the first message
    assert _post(client, "maintenant", "session-window-01").status_code == 200
    assert _post(client, "encore", "session-window-01").status_code == 429
    clock.now = 1000.0 + 61.0  # the second message of 1 s left too
    assert _post(client, "enfin", "session-window-01").status_code == 200


def test_chat_rate_limit_retry_after_header_counts_down(client: TestClient) -> None:
    clock = FakeClock()
    _clocked_limits(client, clock)
    for i in range(5):
        _post(client, f"message {i}", "session-retry-01")
    clock.advance(10.0)
    refused = _post(client, "encore", "session-retry-01")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "50"
    assert refused.json()["detail"] == RATE_LIMITED
    clock.advance(49.5)  # 59.5 s after the five messages
    assert _post(client, "encore", "session-retry-01").headers["Retry-After"] == "1"


def test_chat_rate_limit_sessions_are_independent(client: TestClient) -> None:
    for i in range(5):
        _post(client, f"message {i}", "session-indep-01")
    assert _post(client, "encore", "session-indep-01").status_code == 429
    assert _post(client, "bonjour", "session-indep-02").status_code == 200


def test_chat_rate_limit_per_client_spans_sessions(client: TestClient) -> None:
    """One address cannot dodge the limit by opening new sessions: kills removing the
    per-client limiter of ``POST /api/chat``."""
    clock = FakeClock()
    _clocked_limits(client, clock, per_client=3)
    statuses = [_post(client, "bonjour", f"session-client-0{i}").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = _post(client, "bonjour", "session-client-09")
    assert refused.status_code == 429
    assert refused.json()["detail"] == RATE_LIMITED
    assert refused.headers["Retry-After"] == "60"


def test_chat_rate_limit_per_client_is_120_a_minute(settings: Settings, client: TestClient) -> None:
    """The app's own per-client limiter: 120 messages a minute, whatever the sessions."""
    assert Settings.model_fields["rate_limit_per_client"].default == 120
    limiter = client.app.state.rate_limiters["client"]  # type: ignore[attr-defined]
    assert limiter.limit == settings.rate_limit_per_client and limiter.window_s == 60.0
    for _ in range(limiter.limit - 1):  # as if 119 messages had just come from this address
        assert limiter.allow("testclient")
    assert _post(client, "le 120e", "session-c120-001").status_code == 200
    refused = _post(client, "le 121e", "session-c120-002")
    assert refused.status_code == 429 and refused.json()["detail"] == RATE_LIMITED


def test_chat_rate_limit_per_client_window_boundary(client: TestClient) -> None:
    clock = FakeClock()
    _clocked_limits(client, clock, per_client=3)
    for i in range(3):
        assert _post(client, "bonjour", f"session-cwin-0{i}").status_code == 200
    clock.advance(60.0 - 1e-3)
    assert _post(client, "bonjour", "session-cwin-10").status_code == 429
    clock.advance(1e-3)
    assert _post(client, "bonjour", "session-cwin-11").status_code == 200


def test_chat_rate_limit_per_client_other_address_is_not_limited(client: TestClient) -> None:
    clock = FakeClock()
    _clocked_limits(client, clock, per_client=1)
    assert _post(client, "bonjour", "session-addr-01").status_code == 200
    assert _post(client, "bonjour", "session-addr-02").status_code == 429
    other = WidgetClient(client.app, client=("203.0.113.7", 50000))
    assert _post(other, "bonjour", "session-addr-03").status_code == 200


def test_chat_rate_limit_retry_after_is_the_longer_wait(client: TestClient) -> None:
    """Both limits apply: Retry-After is the later of the two reopenings."""
    clock = FakeClock()
    _clocked_limits(client, clock, per_session=1, per_client=2)
    assert _post(client, "bonjour", "session-wait-01").status_code == 200  # at 0 s
    clock.advance(30.0)
    assert _post(client, "bonjour", "session-wait-02").status_code == 200  # at 30 s
    clock.advance(10.0)
    refused = _post(client, "encore", "session-wait-02")  # session: 50 s, client: 20 s
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "50"


def test_chat_rate_limited_message_is_neither_relayed_nor_recorded(
    client: TestClient, backends: FakeBackends
) -> None:
    _clocked_limits(client, FakeClock(), per_session=1)
    assert _post(client, "premier", "session-norelay-01").status_code == 200
    assert _post(client, "second", "session-norelay-01").status_code == 429
    assert [sent["message"] for sent in backends.sent] == ["premier"]
    turns = client.get("/api/chat/session-norelay-01/history").json()["turns"]
    assert [t["user_text"] for t in turns] == ["premier"]


def test_chat_unknown_route_is_404_in_french(client: TestClient) -> None:
    response = client.get("/api/inconnu")
    assert response.status_code == 404
    assert response.json()["detail"] == "Ressource introuvable."


def test_chat_history_returns_turns_in_order(client: TestClient, backends: FakeBackends) -> None:
    backends.rasa_reply = [
        {"text": "Bonjour !", "buttons": [{"title": "Oui", "payload": "/affirm"}]}
    ]
    first = _post(client, "bonjour", "session-history-01").json()
    _post(client, "merci", "session-history-01")
    body = client.get("/api/chat/session-history-01/history").json()
    assert [t["user_text"] for t in body["turns"]] == ["bonjour", "merci"]
    assert body["turns"][0]["turn_id"] == first["turn_id"]
    assert body["turns"][0]["messages"][0]["buttons"] == [{"title": "Oui", "payload": "/affirm"}]
    assert client.get("/api/chat/other-session-01/history").json()["turns"] == []


def test_chat_history_invalid_session_id_is_rejected(client: TestClient) -> None:
    response = client.get("/api/chat/a%20b/history")
    assert response.status_code == 422
    assert response.json()["detail"] == "L'identifiant de session est invalide."


def test_chat_feedback_is_recorded_on_the_turn(client: TestClient) -> None:
    turn_id = _post(client, "bonjour", "session-feedback-01").json()["turn_id"]
    response = client.post(
        "/api/chat/feedback",
        json={"session_id": "session-feedback-01", "turn_id": turn_id, "value": "negative"},
    )
    assert response.status_code == 204
    turns = client.get("/api/chat/session-feedback-01/history").json()["turns"]
    assert turns[0]["feedback"] == "negative"


def test_chat_feedback_on_another_sessions_turn_is_404(client: TestClient) -> None:
    turn_id = _post(client, "bonjour", "session-feedback-02").json()["turn_id"]
    response = client.post(
        "/api/chat/feedback",
        json={"session_id": "session-feedback-03", "turn_id": turn_id, "value": "positive"},
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "Ce message est introuvable dans cette conversation."


def test_chat_feedback_invalid_value_is_rejected(client: TestClient) -> None:
    response = client.post(
        "/api/chat/feedback",
        json={"session_id": "session-feedback-04", "turn_id": 1, "value": "bof"},
    )
    assert response.status_code == 422
    assert "La valeur du champ « value » est invalide." in response.json()["detail"]

"""The Rasa gateway: what it sends, how Rasa's failures and timeouts become
:class:`RasaUnavailable` reasons, how Rasa's output becomes our messages, and the tracker read.

Rasa is faked at the HTTP level (``httpx.MockTransport``, and one real socket that never
answers); the gateway itself is the real one.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from assistant.chat.gateway import (
    REST_WEBHOOK_PATH,
    RasaGateway,
    RasaReply,
    RasaUnavailable,
    parse_rasa_output,
)
from assistant.chat.schemas import BotMessage, Button, Link

Handler = Callable[[httpx.Request], httpx.Response]
SESSION = "session-gateway-01"


class Ticks:
    """A clock returning the given instants in turn (seconds)."""

    def __init__(self, *instants: float) -> None:
        self._instants = iter(instants)

    def __call__(self) -> float:
        return next(self._instants)


def _gateway(
    handler: Handler,
    *,
    url: str = "http://rasa.test/",
    timeout_s: float = 2.5,
    token: str | None = "jeton-rasa",
    clock: Callable[[], float] | None = None,
) -> RasaGateway:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    if clock is None:
        return RasaGateway(client, url, timeout_s, token)
    return RasaGateway(client, url, timeout_s, token, clock=clock)


def _answer(payload: Any, status: int = 200) -> Handler:
    body = json.dumps(payload).encode()  # ``json=None`` would send no body at all
    return lambda request: httpx.Response(
        status, content=body, headers={"Content-Type": "application/json"}
    )


def _raise(error: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


async def _unavailable(gateway: RasaGateway) -> RasaUnavailable:
    with pytest.raises(RasaUnavailable) as caught:
        await gateway.send(SESSION, "bonjour")
    assert caught.value.reason == str(caught.value)
    return caught.value


# --- what is sent ---------------------------------------------------------------------------


async def test_gateway_send_posts_to_the_rest_webhook() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"text": "Bonjour !"}])

    gateway = _gateway(handler, url="http://rasa.test:5005/", timeout_s=2.5)
    await gateway.send(SESSION, "bonjour", {"page": "/factures"})
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "http://rasa.test:5005" + REST_WEBHOOK_PATH
    assert REST_WEBHOOK_PATH == "/webhooks/rest/webhook"
    assert json.loads(request.content) == {
        "sender": SESSION,
        "message": "bonjour",
        "metadata": {"page": "/factures"},
    }
    assert request.extensions["timeout"] == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}


async def test_gateway_send_without_metadata_sends_an_empty_object() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=[])

    await _gateway(handler).send(SESSION, "bonjour")
    assert seen == [{"sender": SESSION, "message": "bonjour", "metadata": {}}]


async def test_gateway_send_returns_messages_kb_records_and_latency() -> None:
    rasa = [
        {"recipient_id": SESSION, "text": "Le portail est gratuit."},
        {"recipient_id": SESSION, "custom": {"kb": {"decision": "answer"}}},
    ]
    reply = await _gateway(_answer(rasa), clock=Ticks(2.0, 4.5)).send(SESSION, "gratuit ?")
    assert reply == RasaReply(
        messages=[BotMessage(text="Le portail est gratuit.", kind="knowledge_answer")],
        kb_records=[{"decision": "answer"}],
        latency_ms=2500.0,
    )


def test_gateway_reply_defaults_to_no_record_and_no_latency() -> None:
    reply = RasaReply(messages=[])
    assert reply.kb_records == [] and reply.latency_ms == 0.0
    assert RasaReply(messages=[]).kb_records is not reply.kb_records  # not a shared list


async def test_gateway_send_measures_latency_with_the_real_clock_by_default() -> None:
    reply = await _gateway(_answer([])).send(SESSION, "bonjour")
    assert reply.messages == [] and reply.kb_records == [] and reply.latency_ms >= 0.0


async def test_gateway_empty_rasa_output_is_an_empty_reply() -> None:
    reply = await _gateway(_answer([]), clock=Ticks(1.0, 1.0)).send(SESSION, "euh")
    assert reply == RasaReply(messages=[], kb_records=[], latency_ms=0.0)


# --- failures and timeouts ------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("trop lent"),
        httpx.ConnectTimeout("trop lent"),
        httpx.WriteTimeout("trop lent"),
        httpx.PoolTimeout("trop lent"),
    ],
    ids=["read", "connect", "write", "pool"],
)
async def test_gateway_timeout_is_unavailable_timeout(
    error: httpx.TimeoutException, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="assistant.chat.gateway"):
        unavailable = await _unavailable(_gateway(_raise(error), timeout_s=4.0))
    assert unavailable.reason == "timeout"
    assert unavailable.__cause__ is error
    assert f"session={SESSION} timeout_s=4.0" in caplog.text


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("connexion refusée"),
        httpx.ReadError("connexion coupée"),
        httpx.RemoteProtocolError("réponse tronquée"),
        httpx.UnsupportedProtocol("schéma inconnu"),
    ],
    ids=["connect", "read", "protocol", "unsupported"],
)
async def test_gateway_transport_error_is_unavailable_unreachable(
    error: httpx.HTTPError, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="assistant.chat.gateway"):
        unavailable = await _unavailable(_gateway(_raise(error)))
    assert unavailable.reason == "unreachable"
    assert unavailable.__cause__ is error
    assert "gateway.rasa.unreachable" in caplog.text


@pytest.mark.parametrize("status", [500, 502, 503, 504, 404, 401, 403, 400, 201, 204, 302, 199])
async def test_gateway_non_200_status_is_unavailable_with_the_status(status: int) -> None:
    """Anything but 200, even a 2xx carrying a list, is a failure of Rasa."""
    unavailable = await _unavailable(_gateway(_answer([{"text": "Bonjour"}], status=status)))
    assert unavailable.reason == f"status {status}"


async def test_gateway_invalid_json_is_unavailable() -> None:
    handler: Handler = lambda request: httpx.Response(200, content=b"<html>Erreur</html>")  # noqa: E731
    unavailable = await _unavailable(_gateway(handler))
    assert unavailable.reason == "invalid json"
    assert isinstance(unavailable.__cause__, ValueError)


@pytest.mark.parametrize("payload", [{"text": "Bonjour"}, None, "Bonjour", 3, True], ids=repr)
async def test_gateway_json_not_a_list_is_unavailable(payload: Any) -> None:
    unavailable = await _unavailable(_gateway(_answer(payload)))
    assert unavailable.reason == "unexpected payload"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A real TCP server that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


async def test_gateway_real_server_that_never_answers_is_a_timeout(silent_server: str) -> None:
    async with httpx.AsyncClient() as client:
        gateway = RasaGateway(client, silent_server, timeout_s=0.2, token=None)
        with pytest.raises(RasaUnavailable) as caught:
            await gateway.send(SESSION, "bonjour")
    assert caught.value.reason == "timeout"


async def test_gateway_real_closed_port_is_unreachable() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nobody listens there
    async with httpx.AsyncClient() as client:
        gateway = RasaGateway(client, f"http://127.0.0.1:{port}", timeout_s=5.0, token=None)
        with pytest.raises(RasaUnavailable) as caught:
            await gateway.send(SESSION, "bonjour")
    assert caught.value.reason == "unreachable"


# --- Rasa's output --------------------------------------------------------------------------


def test_gateway_parse_text_and_buttons() -> None:
    messages, kb = parse_rasa_output(
        [
            {"recipient_id": SESSION, "text": "Que souhaitez-vous ?"},
            {
                "text": "Choisissez :",
                "buttons": [
                    {"title": "Oui", "payload": "/affirm"},
                    "pas un bouton",
                    {"title": 3},
                    {},
                ],
            },
        ]
    )
    assert messages == [
        BotMessage(text="Que souhaitez-vous ?"),
        BotMessage(
            text="Choisissez :",
            buttons=[
                Button(title="Oui", payload="/affirm"),
                Button(title="3", payload=""),
                Button(title="", payload=""),
            ],
        ),
    ]
    assert kb == []


def test_gateway_parse_buttons_without_text_and_skips_empty_items() -> None:
    messages, _ = parse_rasa_output(
        [
            {"image": "https://exemple.fr/a.png"},  # neither text nor buttons: skipped
            {"text": None, "buttons": None},
            {"buttons": [{"title": "Oui", "payload": "/affirm"}]},
            {"text": 42},
            {"text": ""},
        ]
    )
    assert messages == [
        BotMessage(text="", buttons=[Button(title="Oui", payload="/affirm")]),
        BotMessage(text="42"),
        BotMessage(text=""),
    ]


def test_gateway_parse_custom_links_attach_to_the_previous_text() -> None:
    messages, kb = parse_rasa_output(
        [
            {"text": "Le portail est gratuit."},
            {
                "custom": {
                    "links": [
                        {"title": "Tarif", "url": "/docs/p#tarif"},
                        {"url": "/docs/q"},
                        {"title": "Sans adresse"},
                        {"title": "Adresse vide", "url": ""},
                        "pas un lien",
                    ],
                    "kb": {"decision": "answer", "hits": [{"id": "x", "score": 0.9}]},
                }
            },
            {"custom": {"links": [{"title": "Autre", "url": "/docs/r"}]}},
        ]
    )
    assert messages == [
        BotMessage(
            text="Le portail est gratuit.",
            links=[
                Link(title="Tarif", url="/docs/p#tarif"),
                Link(title="", url="/docs/q"),
                Link(title="Autre", url="/docs/r"),
            ],
            kind="knowledge_answer",
        )
    ]
    assert kb == [{"decision": "answer", "hits": [{"id": "x", "score": 0.9}]}]


def test_gateway_parse_custom_links_attach_to_the_latest_text_only() -> None:
    messages, _ = parse_rasa_output(
        [
            {"text": "Premier."},
            {"text": "Second."},
            {"custom": {"links": [{"title": "Lien", "url": "/l"}]}},
            {"text": "Troisième."},
        ]
    )
    assert messages == [
        BotMessage(text="Premier."),
        BotMessage(text="Second.", links=[Link(title="Lien", url="/l")]),
        BotMessage(text="Troisième."),
    ]


def test_gateway_parse_custom_with_text_is_its_own_message() -> None:
    messages, kb = parse_rasa_output(
        [
            {"text": "Premier."},
            {"custom": {"text": "Second.", "links": [{"title": "Lien", "url": "/l"}]}},
        ]
    )
    assert messages == [
        BotMessage(text="Premier."),
        BotMessage(text="Second.", links=[Link(title="Lien", url="/l")]),
    ]
    assert kb == []


def test_gateway_parse_custom_first_without_text_is_an_empty_message() -> None:
    messages, kb = parse_rasa_output(
        [{"custom": {"links": [{"title": "Lien", "url": "/l"}], "kb": ["pas un objet"]}}]
    )
    assert messages == [BotMessage(text="", links=[Link(title="Lien", url="/l")])]
    assert kb == []  # only objects are decision records


def test_gateway_parse_intent_alone_shows_nothing() -> None:
    messages, kb = parse_rasa_output(
        [
            {"custom": {"intent": {"name": "greet", "confidence": 0.99}}},
            {"text": "Bonjour !"},
            {"custom": {"intent": {"name": "greet"}, "links": [{"title": "Lien", "url": "/l"}]}},
        ]
    )
    assert messages == [BotMessage(text="Bonjour !", links=[Link(title="Lien", url="/l")])]
    assert kb == []


def test_gateway_parse_custom_without_links() -> None:
    messages, kb = parse_rasa_output(
        [{"text": "Texte."}, {"custom": {"links": None, "kb": {"decision": "fallback"}}}]
    )
    assert messages == [BotMessage(text="Texte.")]
    assert kb == [{"decision": "fallback"}]


def test_gateway_parse_custom_not_an_object_is_a_plain_item() -> None:
    messages, kb = parse_rasa_output(
        [{"custom": "texte libre", "text": "Bonjour."}, {"custom": ["x"]}]
    )
    assert messages == [BotMessage(text="Bonjour.")]
    assert kb == []


# --- the tracker (intent of the latest message) ---------------------------------------------


async def test_gateway_latest_intent_reads_the_tracker() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"latest_message": {"intent": {"name": "greet", "confidence": 0.97}}}
        )

    gateway = _gateway(handler, url="http://rasa.test/", token="jeton-rasa")
    assert await gateway.latest_intent(SESSION) == ("greet", 0.97)
    (request,) = seen
    assert request.method == "GET"
    assert request.url.path == f"/conversations/{SESSION}/tracker"
    assert dict(request.url.params) == {"include_events": "NONE", "token": "jeton-rasa"}
    assert request.extensions["timeout"]["read"] == 2.0


async def test_gateway_latest_intent_without_token_asks_nothing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request without a token")

    assert await _gateway(handler, token=None).latest_intent(SESSION) == (None, None)
    assert await _gateway(handler, token="").latest_intent(SESSION) == (None, None)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"latest_message": None},
        {"latest_message": {}},
        {"latest_message": {"intent": None}},
        {"latest_message": {"intent": {}}},
    ],
    ids=repr,
)
async def test_gateway_latest_intent_unknown_is_none(body: dict[str, Any]) -> None:
    assert await _gateway(_answer(body)).latest_intent(SESSION) == (None, None)


@pytest.mark.parametrize(
    "handler",
    [
        _raise(httpx.ConnectError("refusé")),
        _raise(httpx.ReadTimeout("trop lent")),
        lambda request: httpx.Response(200, content=b"pas du JSON"),
        _answer(["pas", "un", "objet"]),
        _answer({"latest_message": "pas un objet"}),
    ],
    ids=["unreachable", "timeout", "invalid-json", "list", "message-not-object"],
)
async def test_gateway_latest_intent_failure_is_none(
    handler: Handler, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.chat.gateway"):
        assert await _gateway(handler).latest_intent(SESSION) == (None, None)
    assert "gateway.rasa.tracker_unavailable" in caplog.text


def test_gateway_http_client_finds_sniffio() -> None:
    """httpcore imports ``sniffio`` inside every request the gateway sends; without the
    package each request searched the import path again (BENCHMARKS.md, session 11)."""
    assert importlib.util.find_spec("sniffio") is not None

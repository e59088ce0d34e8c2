"""No e-mail address or phone number of the labelled redaction set (``eval/redaction/``)
survives anywhere once its messages went through the real chat route, a support ticket with
their transcript was opened and the « Pilotage » CSV was exported: not in any column of any
table of the database, not in the logs (DEBUG), not in the export.

The only place allowed to hold one is what the ticket needs: the contact e-mail the user
gave in the support form, kept in the ticket's own field (``support_tickets.email``) and in
the address its e-mails are sent to (``support_outbox.recipient``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from assistant.config import Settings, get_settings
from assistant.main import create_app
from portal.conversations.redaction import ECHO_REPLY_PREFIXES
from portal.conversations.redaction_eval import load
from storage.db import get_engine, get_sessionmaker
from storage.migrate import upgrade
from support_tickets.config import get_support_settings
from support_tickets.similarity import LexicalSimilarity
from tests.assistant.conftest import FakeBackends
from tests.support_tickets.conftest import AGENT_PASSWORD, make_agent
from tests.widget_client import KEYS, WidgetClient

MESSAGES_PER_CONVERSATION = 20
LIMIT = 10_000  # rate limits out of the way: the set is sent in one go
CONTACT_FIELDS = {("support_tickets", "email"), ("support_outbox", "recipient")}
Found = tuple[str, str]  # (where, which value)


class EchoingBackends(FakeBackends):
    """Rasa answering each message with the support form's summary, which repeats it (the
    one kind of reply that echoes what the user typed)."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        if str(request.url).startswith("http://rasa.test/webhooks/rest/webhook"):
            typed = json.loads(request.content)["message"]
            self.rasa_reply = [{"text": f"{ECHO_REPLY_PREFIXES[0]} : {typed}"}]
        return super().handle(request)


@pytest.fixture
def own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A database of this test's own, so that nothing another test stored is scanned."""
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{tmp_path / 'leaks.db'}")
    monkeypatch.setattr("support_tickets.service.get_similarity", LexicalSimilarity)
    caches = (get_settings, get_support_settings, get_engine, get_sessionmaker)
    for cache in caches:
        cache.cache_clear()
    upgrade()
    yield
    get_engine().dispose()
    for cache in caches:
        cache.cache_clear()


def _patterns(rows: list[dict[str, Any]]) -> dict[str, re.Pattern[str]]:
    """Each e-mail (any case) and phone number (its digits with any separators) of the set."""
    patterns: dict[str, re.Pattern[str]] = {}
    for span in (s for row in rows for s in row["spans"]):
        value = span["value"]
        if span["type"] == "email":
            patterns[value] = re.compile(re.escape(value), re.IGNORECASE)
        elif span["type"] == "phone":
            subscriber = re.sub(r"\D", "", value)[-9:]  # after the 0 or the country code
            patterns[value] = re.compile(r"[ .\-()]*".join(subscriber))
    return patterns


def _chat(client: TestClient, rows: list[dict[str, Any]]) -> list[str]:
    sessions: list[str] = []
    for number, row in enumerate(rows):
        session_id = f"leak-{number // MESSAGES_PER_CONVERSATION:03d}"
        if session_id not in sessions:
            sessions.append(session_id)
        response = client.post("/api/chat", json={"session_id": session_id, "message": row["text"]})
        assert response.status_code == 200, response.text
    return sessions


def _open_ticket(client: TestClient, contact: str, description: str, session_id: str = "") -> None:
    page = client.get("/support")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    fields = {
        "csrf_token": token.group(1),
        "email": contact,
        "category": "factures",
        "description": description,
        "reference": "",
        "session_id": session_id,
        "conversation_key": KEYS[session_id] if session_id else "",
    }
    response = client.post("/support", data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text


def _export(client: TestClient) -> str:
    with get_sessionmaker()() as session:
        supervisor = make_agent(session, "supervisor")
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    login = {"email": supervisor.email, "password": AGENT_PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/console/login", data=login, follow_redirects=False).status_code == 303
    today = dt.date.today().isoformat()
    response = client.get("/console/pilotage/export.csv", params={"du": today, "au": today})
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8-sig")


def _database_cells() -> Iterator[tuple[str, str, str]]:
    """(table, column, text) for every non-empty value of every table."""
    engine = get_engine()
    with engine.connect() as connection:
        for name in inspect(engine).get_table_names():
            result = connection.execute(text(f'SELECT * FROM "{name}"'))  # noqa: S608 (own names)
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        yield name, column, str(value)


def _leaks(patterns: dict[str, re.Pattern[str]], where: str, content: str) -> list[Found]:
    return [(where, value) for value, pattern in patterns.items() if pattern.search(content)]


def _database_leaks(patterns: dict[str, re.Pattern[str]], contact: str) -> list[Found]:
    leaks: list[Found] = []
    for name, column, content in _database_cells():
        allowed = {contact} if (name, column) in CONTACT_FIELDS else set()
        leaks += [f for f in _leaks(patterns, f"{name}.{column}", content) if f[1] not in allowed]
    return leaks


def _settings() -> Settings:
    return Settings(
        rasa_url="http://rasa.test",
        action_server_url="http://actions.test",
        rasa_token="secret",
        rate_limit_per_session=LIMIT,
        rate_limit_per_client=LIMIT,
        support_form_rate_limit_per_client=LIMIT,
    )


def _first(rows: list[dict[str, Any]], pii_type: str) -> dict[str, Any]:
    return next(row for row in rows if any(s["type"] == pii_type for s in row["spans"]))


def test_personal_data_leaks_none_in_database_logs_or_export(
    own_database: None, caplog: pytest.LogCaptureFixture
) -> None:
    rows = load("all")
    patterns = _patterns(rows)
    contact = _first(rows, "email")["spans"][0]["value"]
    no_pii = next(row for row in rows if not row["spans"])
    backends = EchoingBackends()
    caplog.set_level(logging.DEBUG)
    with WidgetClient(
        create_app(_settings(), transport=httpx.MockTransport(backends.handle))
    ) as client:
        sessions = _chat(client, rows)
        _open_ticket(client, contact, no_pii["text"], session_id=sessions[0])
        export = _export(client)

    assert [sent["message"] for sent in backends.sent] == [row["text"] for row in rows]
    cells = list(_database_cells())
    leaks = _database_leaks(patterns, contact)
    logged = caplog.text + "".join(repr(vars(record)) for record in caplog.records)
    leaks += _leaks(patterns, "logs", logged)
    leaks += _leaks(patterns, "export", export)
    assert leaks == []
    # The scan looked where the messages went: their redacted text and the ticket's contact.
    assert any(n == "chat_turns" and "[téléphone]" in c for n, _, c in cells)
    assert any(
        n == "support_ticket_messages" and "[adresse électronique]" in c for n, _, c in cells
    )
    assert ("support_tickets", "email", contact) in cells


def test_personal_data_leaks_none_from_support_form_description(own_database: None) -> None:
    """A user asking to be called back types their phone and e-mail in the request itself:
    the ticket keeps the contact e-mail in its own field, and the description redacted."""
    rows = load("all")
    described = _first(rows, "phone")
    assert {s["type"] for s in described["spans"]} == {"email", "phone"}
    with WidgetClient(
        create_app(_settings(), transport=httpx.MockTransport(FakeBackends().handle))
    ) as client:
        _open_ticket(client, "usager.contact@exemple.fr", described["text"])
    assert _database_leaks(_patterns([described]), "usager.contact@exemple.fr") == []

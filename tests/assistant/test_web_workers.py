"""The web app in 2 uvicorn workers (the runner's command, ``web_workers=2``) sharing Redis:
requests land on both workers, the per-client limit holds across them, and an agent's reply
sent through one worker reaches the widget stream held by the other.

Only the web app runs (Rasa's address answers nothing: the chat says « indisponible », which
is enough here), on a SQLite file and a Redis key prefix of the test's own. The workers tell
themselves apart with ``X-Worker-Pid``, which the app sends in the test environment only.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from assistant import runner
from assistant.config import Settings
from assistant.runner import make_servers
from assistant.supervisor import Server
from storage.migrate import upgrade
from support_tickets.auth import create_agent
from tests.assistant.live_fixtures import lexical_similarity, open_ticket
from tests.redis_server import REDIS_URL, free_port, key_prefix

__all__ = ["lexical_similarity"]
pytestmark = pytest.mark.redis

PID = "X-Worker-Pid"
CLIENT_LIMIT = 4
READY_ATTEMPTS = 600  # polls of /health/live, 0.1 s apart, before the start is a failure
MAX_TRIES = 60  # new connections tried before concluding that one worker never answers
# The stream re-reads the conversation every RECHECK_S (30 s) by itself, and pings every
# KEEPALIVE_S (15 s): a reply read within this bound came with the notification that Redis
# relayed, not with that re-read.
NOTIFIED_WITHIN_S = 10.0
PASSWORD = "mot-de-passe-agent-01"


@dataclasses.dataclass
class Workers:
    url: str
    database_url: str


def _start(tmp_path: Path, prefix: str) -> tuple[Server, Workers]:
    database_url = f"sqlite:///{tmp_path / 'workers.db'}"
    upgrade(database_url)
    port = free_port()
    settings = Settings(
        web_port=port,
        web_workers=2,
        redis_url=REDIS_URL,
        rasa_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
    )
    web = next(s for s in make_servers(settings, "jeton") if s.name == "web")
    assert web.command[-2:] == ["--workers", "2"]
    env = {
        "ASSISTANT_DATABASE_URL": database_url,
        "ASSISTANT_ENVIRONMENT": "test",
        "ASSISTANT_REDIS_URL": REDIS_URL,
        "ASSISTANT_REDIS_KEY_PREFIX": prefix,
        "ASSISTANT_RASA_URL": settings.rasa_url,
        "ASSISTANT_RATE_LIMIT_PER_CLIENT": str(CLIENT_LIMIT),
        "ASSISTANT_RATE_LIMIT_PER_SESSION": "1000",
    }
    server = dataclasses.replace(web, env={**web.env, **env}, log_dir=tmp_path)
    server.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(READY_ATTEMPTS):
        try:
            if httpx.get(f"{url}/health/live", timeout=2.0).status_code == 200:
                return server, Workers(url, database_url)
        except httpx.TransportError:
            pass
        if not server.alive():
            break
        time.sleep(0.1)
    server.stop()
    raise AssertionError(f"web workers not ready: {server.log_path.read_text()[-3000:]}")


@pytest.fixture
def workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workers]:
    monkeypatch.setattr(runner, "RUN_DIR", tmp_path)  # make_servers writes endpoints there
    with key_prefix() as prefix:
        server, running = _start(tmp_path, prefix)
        try:
            yield running
        finally:
            server.stop()


def _chat(url: str, session_id: str) -> httpx.Response:
    """One message on a new connection (so any worker may take it)."""
    return httpx.post(
        f"{url}/api/chat", json={"session_id": session_id, "message": "bonjour"}, timeout=30.0
    )


def test_web_workers_client_limit_holds_across_both(workers: Workers) -> None:
    answers = []
    for _ in range(MAX_TRIES):
        response = _chat(workers.url, f"workers-{uuid.uuid4().hex[:12]}")
        assert response.status_code < 500, response.text
        answers.append((response.status_code, response.headers[PID]))
        refused_by = {pid for status, pid in answers if status == 429}
        if len(refused_by) == 2:
            break
    assert len({pid for _, pid in answers}) == 2, "one worker took every connection"
    statuses = [status for status, _ in answers]
    assert statuses[:CLIENT_LIMIT] == [200] * CLIENT_LIMIT
    assert statuses[CLIENT_LIMIT:] == [429] * (len(statuses) - CLIENT_LIMIT)
    assert len({pid for status, pid in answers if status == 429}) == 2  # both refuse


def _client_on_other_worker(url: str, pid: str) -> httpx.Client:
    """A keep-alive client whose connection another worker than ``pid`` accepted."""
    for _ in range(MAX_TRIES):
        client = httpx.Client(base_url=url, timeout=30.0)
        if client.get("/health/live").headers[PID] != pid:
            return client
        client.close()
    raise AssertionError(f"every connection went to worker {pid}")


def _next_event(lines: Iterator[str], name: str) -> object:
    """The data of the stream's next ``name`` event (server-sent events: ``event:`` then
    ``data:`` lines); a read timeout when none comes."""
    current = None
    for line in lines:
        if line.startswith("event:"):
            current = line.removeprefix("event:").strip()
        elif line.startswith("data:") and current == name:
            return json.loads(line.removeprefix("data:").strip())
    raise AssertionError(f"the stream ended without a {name} event")


@pytest.mark.usefixtures("lexical_similarity")
def test_web_workers_agent_reply_reaches_widget_on_other_worker(workers: Workers) -> None:
    session_id = f"workers-{uuid.uuid4().hex[:12]}"
    first = _chat(workers.url, session_id)
    assert first.status_code == 200, first.text
    key = {"X-Conversation-Key": first.json()["conversation_key"]}
    engine = create_engine(workers.database_url)
    with sessionmaker(bind=engine, expire_on_commit=False)() as db:
        ticket_id = open_ticket(db, session_id).id
        email = create_agent(
            db,
            email=f"agent.{uuid.uuid4().hex[:8]}@exemple.fr",
            name="Agent",
            role="agent",
            password=PASSWORD,
        ).email
    engine.dispose()
    reply = f"Réponse de l'agent {uuid.uuid4().hex[:8]}"
    events = f"{workers.url}/api/chat/{session_id}/events"
    with httpx.stream("GET", events, headers=key, timeout=NOTIFIED_WITHIN_S) as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        assert _next_event(lines, "support") == {"active": False, "ticket": None}
        other = _client_on_other_worker(workers.url, stream.headers[PID])
        try:
            login = other.post("/api/agent/login", json={"email": email, "password": PASSWORD})
            assert login.status_code == 200, login.text
            sent = other.post(
                f"/api/agent/tickets/{ticket_id}/replies",
                json={"text": reply},
                headers={"X-CSRF-Token": login.json()["csrf_token"]},
            )
            assert sent.status_code == 200, sent.text
            assert sent.headers[PID] != stream.headers[PID]
        finally:
            other.close()
        data = _next_event(lines, "agent_reply")
    assert isinstance(data, dict)
    (message,) = data["messages"]
    assert message["author"] == "agent" and message["text"].endswith(reply)

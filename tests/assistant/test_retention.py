"""Personal data and retention in the web app: redacted storage of the chat's turns, the
purge at start-up and daily, and ``python -m assistant purge-turns``."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant import retention, tracker_retention
from assistant.config import Settings
from assistant.main import create_app
from portal.conversations import repository
from portal.conversations.models import ChatTurn
from portal.conversations.redaction import EMAIL, PHONE
from storage.db import get_sessionmaker
from tests.assistant.conftest import FakeBackends
from tests.widget_client import WidgetClient

TYPED = "Rappelez-moi au 06 12 34 56 78 ou à jean.dupont@exemple.fr pour MJ-2026-000123"
STORED = f"Rappelez-moi au {PHONE} ou à {EMAIL} pour MJ-2026-000123"
STARTUP_WAIT_S = 5.0


@pytest.fixture(autouse=True)
def _no_rasa_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the purge away from the repository's Rasa tracker store (no endpoints file)."""
    monkeypatch.setattr(tracker_retention, "ENDPOINTS_FILE", tmp_path / "endpoints.yml")


def _old_turn(days: int = 400) -> int:
    """A stored turn ``days`` old (beyond the default retention); returns its id."""
    with get_sessionmaker()() as session:
        turn = repository.record_turn(
            session,
            session_id=f"chat-old-{uuid.uuid4().hex[:12]}",
            user_text="ancienne question",
            replies=[],
            outcome="answered",
            latency_ms=1.0,
        )
        turn.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        session.commit()
        return turn.id


def _exists(turn_id: int) -> bool:
    with get_sessionmaker()() as session:
        return session.get(ChatTurn, turn_id) is not None


def test_retention_chat_relays_message_as_typed_and_stores_it_redacted(
    client: TestClient, backends: FakeBackends
) -> None:
    response = client.post("/api/chat", json={"session_id": "session-pii-0001", "message": TYPED})
    assert response.status_code == 200
    assert backends.sent[-1]["message"] == TYPED
    history = client.get("/api/chat/session-pii-0001/history").json()["turns"]
    assert [t["user_text"] for t in history] == [STORED]


def test_retention_purge_runs_at_startup(
    settings: Settings, backends: FakeBackends, caplog: pytest.LogCaptureFixture
) -> None:
    turn_id = _old_turn()
    caplog.set_level(logging.INFO, logger="assistant.retention")
    app = create_app(settings, transport=httpx.MockTransport(backends.handle))
    with WidgetClient(app):
        deadline = time.monotonic() + STARTUP_WAIT_S
        while _exists(turn_id) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _exists(turn_id)
    assert re.search(r"chat\.retention\.purged count=[1-9]", caplog.text)


def test_retention_purge_loop_repeats_and_survives_failures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []

    def failing_purge() -> int:
        calls.append(1)
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(retention, "purge_once", failing_purge)

    async def run_briefly() -> None:
        task = asyncio.create_task(retention.purge_periodically(interval_s=0.01))
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(asyncio.wait_for(run_briefly(), timeout=STARTUP_WAIT_S))
    assert len(calls) >= 3


def test_retention_command_purges_and_prints_count_in_french(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assistant.__main__ import main

    old_turn = _old_turn()
    assert main(["purge-turns"]) == 0
    out = capsys.readouterr().out
    assert re.match(
        r"[1-9]\d* tour\(s\) de conversation de plus de 90 jours supprimé\(s\)\.\n", out
    )  # the second line, Rasa's events, is checked in test_retention_tracker.py
    assert not _exists(old_turn)

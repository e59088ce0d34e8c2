"""Retention of Rasa's SQL tracker store: its events older than the chat's retention are
deleted by the same purge as the turns (start-up, daily, ``python -m assistant purge-turns``)."""

from __future__ import annotations

import logging
import re
import subprocess
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import URL, make_url

from assistant import retention, tracker_retention
from assistant.tracker_retention import EVENTS, purge_tracker_events, tracker_store_url
from storage.paths import REPO_ROOT
from tests.postgres import throwaway_database

DAY_S = 24 * 3600.0
RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
# Rasa creates its own store, so the test checks our mirror against the real schema.
RASA_CREATE_STORE = (
    "import sys; from rasa.core.tracker_store import SQLTrackerStore; "
    "SQLTrackerStore(dialect='sqlite', db=sys.argv[1])"
)


@pytest.fixture(autouse=True)
def _no_rasa_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the app's start-up purge away from the repository's Rasa tracker store."""
    monkeypatch.setattr(tracker_retention, "ENDPOINTS_FILE", tmp_path / "endpoints.yml")


def _seed(url: URL | str, now: float) -> None:
    """Events of two conversations: « alice » has old and recent ones, « bob » only old."""
    engine = create_engine(url)
    EVENTS.metadata.create_all(engine)
    rows = [
        ("alice", now - 400 * DAY_S, "user", '{"text": "ancien message"}'),
        ("alice", now - 91 * DAY_S, "bot", '{"text": "ancienne réponse"}'),
        ("alice", now - 89 * DAY_S, "user", '{"text": "message récent"}'),
        ("alice", now - 60, "bot", '{"text": "réponse récente"}'),
        ("bob", now - 200 * DAY_S, "user", '{"text": "jean@exemple.fr"}'),
        ("bob", now - 100 * DAY_S, "action", "{}"),
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(EVENTS),
            [{"sender_id": s, "type_name": t, "timestamp": ts, "data": d} for s, ts, t, d in rows],
        )
    engine.dispose()


def _remaining(url: URL | str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(EVENTS.c.sender_id, EVENTS.c.data).order_by(EVENTS.c.id))
        remaining = [(r.sender_id, r.data) for r in rows]
    engine.dispose()
    return remaining


def _endpoints(tmp_path: Path, store: str) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(f"action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n{store}")
    return path


def test_tracker_retention_purge_deletes_only_old_events(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    now = time.time()
    _seed(url, now)
    assert purge_tracker_events(url, now - 90 * DAY_S) == 4
    assert _remaining(url) == [
        ("alice", '{"text": "message récent"}'),
        ("alice", '{"text": "réponse récente"}'),
    ]  # bob's conversation is gone with its last event


def test_tracker_retention_store_missing_does_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="assistant.tracker_retention")
    db = tmp_path / "absent.db"
    assert purge_tracker_events(f"sqlite:///{db}", time.time()) is None
    assert not db.exists()
    assert "retention.tracker_skipped reason=store_missing" in caplog.text


def test_tracker_retention_url_read_like_rasa(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite = _endpoints(
        tmp_path, 'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: var/t.db'
    )
    url = tracker_store_url(sqlite, root=tmp_path)
    assert url is not None and url.database == str(tmp_path / "var" / "t.db")
    monkeypatch.setenv("TRACKER_PASSWORD", "secret")
    postgres = _endpoints(
        tmp_path,
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.local\n  port: 5433\n"
        "  db: rasa\n  username: rasa\n  password: ${TRACKER_PASSWORD}",
    )
    url = tracker_store_url(postgres)
    assert url is not None
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        "db.local",
        5433,
        "rasa",
    )
    assert (url.username, url.password) == ("rasa", "secret")
    assert tracker_store_url(_endpoints(tmp_path, "tracker_store:\n  type: redis")) is None


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa environment is not installed")
def test_tracker_retention_purge_works_on_the_store_rasa_creates(tmp_path: Path) -> None:
    db = tmp_path / "rasa_tracker.db"
    subprocess.run([str(RASA_PYTHON), "-c", RASA_CREATE_STORE, str(db)], check=True)
    now = time.time()
    _seed(f"sqlite:///{db}", now)  # create_all leaves Rasa's table as it is
    assert purge_tracker_events(f"sqlite:///{db}", now - 90 * DAY_S) == 4
    assert [s for s, _ in _remaining(f"sqlite:///{db}")] == ["alice", "alice"]


def test_tracker_retention_purge_once_purges_tracker_and_logs_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "tracker.db"
    _seed(f"sqlite:///{db}", time.time())
    store = f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {db}\n"
    monkeypatch.setattr(tracker_retention, "ENDPOINTS_FILE", _endpoints(tmp_path, store))
    caplog.set_level(logging.INFO, logger="assistant.tracker_retention")
    result = retention.purge_once()
    assert result.tracker_events == 4
    assert "retention.tracker_purged count=4" in caplog.text
    assert [s for s, _ in _remaining(f"sqlite:///{db}")] == ["alice", "alice"]


def test_tracker_retention_command_prints_both_counts_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.__main__ import main

    db = tmp_path / "tracker.db"
    _seed(f"sqlite:///{db}", time.time())
    store = f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {db}\n"
    monkeypatch.setattr(tracker_retention, "ENDPOINTS_FILE", _endpoints(tmp_path, store))
    assert main(["purge-turns"]) == 0
    assert re.fullmatch(
        r"\d+ tour\(s\) de conversation de plus de 90 jours supprimé\(s\)\.\n"
        r"4 événement\(s\) de Rasa de plus de 90 jours supprimé\(s\)\.\n",
        capsys.readouterr().out,
    )
    db.unlink()
    assert main(["purge-turns"]) == 0
    assert capsys.readouterr().out.endswith(
        "Base de conversations de Rasa absente : aucun événement à supprimer.\n"
    )


@pytest.mark.postgres
def test_tracker_retention_purge_deletes_only_old_events_postgres() -> None:
    with throwaway_database("tracker_test") as url:
        now = time.time()
        _seed(url, now)
        assert purge_tracker_events(make_url(url), now - 90 * DAY_S) == 4
        assert [s for s, _ in _remaining(url)] == ["alice", "alice"]


def test_tracker_retention_described_on_personal_data_page(client: TestClient) -> None:
    html = " ".join(client.get("/donnees-personnelles").text.replace("&#39;", "'").split())
    assert "<strong>avec le même masquage</strong>" in html  # what Rasa keeps is redacted
    assert "Ces messages sont <strong>supprimés au bout du même délai de 90 jours</strong>" in html

"""The runner prepares the database in a child process (``python -m assistant prepare``):
migrations, accounts and support data land in the configured database, a failure stops
the start with a French message, and the runner process itself never loads the ORM."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.runner import prepare_storage_in_child
from storage.paths import REPO_ROOT


def test_prepare_storage_in_child_migrates_and_seeds_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "app.db"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{database}")
    assert prepare_storage_in_child() is True
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"alembic_version", "chat_turns"} <= tables
    assert version  # one row per branch head


def test_prepare_storage_in_child_failure_stops_with_a_french_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent" / "dossier" / "app.db"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{missing}")
    assert prepare_storage_in_child() is False
    assert "La préparation de la base a échoué" in capsys.readouterr().err


def test_runner_module_leaves_the_orm_and_alembic_to_the_child() -> None:
    code = (
        "import sys, assistant.runner; "
        "print(sorted(m for m in sys.modules if m.startswith(('alembic', 'storage.models', "
        "'portal.accounts', 'support_tickets'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"

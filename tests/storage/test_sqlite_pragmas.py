"""The SQLite settings of the web app's database (``storage/sqlite_pragmas.py``): WAL,
``synchronous=NORMAL``, foreign keys and the busy timeout on every connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import make_engine
from storage.sqlite_pragmas import BUSY_TIMEOUT_MS

NORMAL = 1  # PRAGMA synchronous answers 0 (OFF), 1 (NORMAL), 2 (FULL) or 3 (EXTRA)


@pytest.fixture
def pragmas(tmp_path: Path) -> dict[str, object]:
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with engine.connect() as connection:
        found = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    engine.dispose()
    return found


def test_sqlite_pragmas_app_database_in_wal_synced_at_checkpoints(
    pragmas: dict[str, object],
) -> None:
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["synchronous"] == NORMAL


def test_sqlite_pragmas_app_database_enforces_foreign_keys_and_waits_for_writers(
    pragmas: dict[str, object],
) -> None:
    assert pragmas["foreign_keys"] == 1
    assert pragmas["busy_timeout"] == BUSY_TIMEOUT_MS

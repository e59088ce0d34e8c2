"""The settings every SQLite connection of ours gets: the web app's database
(:func:`storage.db.make_engine`) and Rasa's tracker store
(``nlu_components/sqlite_engine.py``, in Rasa's environment: this module imports nothing but
the standard library).

- **WAL journal.** A commit appends to the write-ahead log instead of rewriting pages through
  a rollback journal, and readers do not wait for the writer.
- **``synchronous=NORMAL``.** In WAL mode the log is synced at checkpoints, not at every
  commit. The database stays consistent whatever happens, and a process that crashes or is
  killed loses nothing it committed; only a power cut or a crash of the machine's operating
  system can undo the last commits before it. This is SQLite's advice for WAL and the
  default of Rails' SQLite adapter since 7.1. With ``FULL`` every chat turn synced the disk
  twice (Rasa's tracker, the web app's turn), on the event loops that every conversation
  shares: 20 users sending knowledge questions through the web app got 26–29 answers a
  second with the web app's database at ``FULL``, 31–37 with both at ``NORMAL`` (three runs
  each of ``make bench``'s load; BENCHMARKS.md, session 10). A deployment that must
  survive a power cut without losing a committed turn or ticket uses PostgreSQL (README,
  « Several Rasa replicas »), whose commits are durable.
- **Busy timeout.** A connection waits up to :data:`BUSY_TIMEOUT_MS` for another's write.
- **Foreign keys** are enforced (SQLite leaves them off by default).
"""

from __future__ import annotations

from typing import Any

JOURNAL_MODE = "WAL"
SYNCHRONOUS = "NORMAL"
BUSY_TIMEOUT_MS = 30_000


def set_pragmas(dbapi_connection: Any) -> None:
    """Apply the settings above to a new DB-API (``sqlite3``) connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA journal_mode={JOURNAL_MODE}")
    cursor.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()

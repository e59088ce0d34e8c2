"""The SQLite engine of Rasa's tracker store: pooled connections in WAL mode (issue 17).

Rasa's ``SQLTrackerStore`` creates its engine with SQLAlchemy 1.4's defaults, which for a
SQLite file are a ``NullPool`` (a new connection, and a fresh read of the schema, for every
read and every save: three a message) and the rollback journal (several ``fsync`` calls per
commit). Both ran on Rasa's event loop, which every conversation shares: with them, saving a
tracker cost about as much as classifying the message (py-spy under ``make bench``).

The engine built here keeps one connection per thread and opens it with the settings of the
web app's database (:mod:`storage.sqlite_pragmas`: WAL, ``synchronous=NORMAL``, and why).
PostgreSQL (the replicas' shared store) keeps Rasa's engine.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import SingletonThreadPool

from storage.sqlite_pragmas import BUSY_TIMEOUT_MS, set_pragmas

POOL_SIZE = 4
"""Threads that keep a connection open (one each): Rasa's store works on the event loop's
thread; the others are rare (a test, a thread of Rasa's HTTP API)."""


def sqlite_engine(url: URL | str) -> Engine:
    """A pooled engine for the SQLite file at ``url``, its connections in WAL mode."""
    engine = sa.create_engine(
        url,
        poolclass=SingletonThreadPool,
        pool_size=POOL_SIZE,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        set_pragmas(dbapi_conn)

    return engine

"""Retention of Rasa's SQL tracker store: its events older than the chat's retention go.

Rasa keeps every event of a conversation (the user's messages as typed among them) in the
``events`` table of its SQL tracker store. The runner starts Rasa with ``endpoints.yml``'s
``tracker_store`` section (``assistant/runner.py``, :func:`write_endpoints` only changes the
action server URL) and from the repository root, so a SQLite ``db`` path is relative to it.
This module reads that section the way Rasa builds its URL and deletes, with SQLAlchemy Core,
the events whose ``timestamp`` (float, Unix epoch) is older than the cut-off. A conversation
whose events all go simply disappears from the store.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    inspect,
)
from sqlalchemy.engine import URL, make_url

from storage.paths import REPO_ROOT

logger = logging.getLogger(__name__)

ENDPOINTS_FILE = REPO_ROOT / "endpoints.yml"  # the runner's source of the tracker store
# Rasa's SQL tracker store that keeps the user's messages redacted (endpoints.yml); a plain
# ``type: SQL`` store is read the same way.
REDACTING_STORE_TYPE = "nlu_components.redacting_tracker_store.RedactingSQLTrackerStore"
SQL_STORE_TYPES = frozenset({"SQL", REDACTING_STORE_TYPE})
POSTGRES_DRIVER = "postgresql+psycopg"  # Rasa's "postgresql" means psycopg2, not installed here

_metadata = MetaData()
# Mirrors rasa.core.tracker_store.SQLTrackerStore.SQLEvent (Rasa 3.6).
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def _expand(value: Any) -> Any:
    """Rasa expands ``${VAR}`` in the endpoints file; so do we, for the string values."""
    return os.path.expandvars(value) if isinstance(value, str) else value


def tracker_store_url(endpoints_file: Path | None = None, root: Path = REPO_ROOT) -> URL | None:
    """The SQLAlchemy URL of Rasa's SQL tracker store (from ``endpoints_file``, default
    :data:`ENDPOINTS_FILE`), or None when it is not an SQL one."""
    endpoints_file = endpoints_file or ENDPOINTS_FILE
    if not endpoints_file.exists():
        return None
    endpoints = yaml.safe_load(endpoints_file.read_text(encoding="utf-8")) or {}
    store = {k: _expand(v) for k, v in (endpoints.get("tracker_store") or {}).items()}
    store_type = str(store.get("type", ""))
    if store_type not in SQL_STORE_TYPES and store_type.upper() != "SQL":
        return None
    dialect = str(store.get("dialect", "sqlite"))
    host = store.get("url") or store.get("host")  # Rasa passes ``url`` as ``host``
    if host and "://" in str(host):
        url = make_url(str(host))
    elif dialect == "sqlite":
        db = Path(str(store.get("db", "rasa.db")))
        return URL.create("sqlite", database=str(db if db.is_absolute() else root / db))
    else:
        port = store.get("port")
        url = URL.create(
            dialect,
            username=store.get("username"),
            password=store.get("password"),
            host=str(host) if host else None,
            port=int(port) if port else None,
            database=str(store.get("db", "rasa.db")),
            query=store.get("query") or {},
        )
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername=POSTGRES_DRIVER)
    return url


def _store_missing(url: URL) -> bool:
    database = url.database
    return url.get_backend_name() == "sqlite" and not (database and Path(database).exists())


def purge_tracker_events(url: URL | str | None, cutoff_epoch: float) -> int | None:
    """Delete the tracker events older than ``cutoff_epoch``; returns how many, or None (and
    logs why) when there is no SQL store, or it does not exist yet: then nothing is done."""
    if url is None:
        logger.info("retention.tracker_skipped reason=no_sql_tracker_store")
        return None
    url = make_url(url)
    if _store_missing(url):
        logger.info("retention.tracker_skipped reason=store_missing")
        return None
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table(EVENTS.name):
            logger.info("retention.tracker_skipped reason=no_events_table")
            return None
        with engine.begin() as conn:
            result = conn.execute(delete(EVENTS).where(EVENTS.c.timestamp < cutoff_epoch))
        count = int(result.rowcount or 0)
    finally:
        engine.dispose()
    logger.info("retention.tracker_purged count=%d", count)
    return count

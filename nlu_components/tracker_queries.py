"""The tracker store's reads and its count as SQL text built once (issue 17).

Rasa's ``SQLTrackerStore._event_query`` builds an ORM query at every read, which SQLAlchemy
then walks for its cache key and compiles: about 5 % of Rasa's CPU on a knowledge turn
(py-spy under ``make bench``'s load), and its ``_additional_events`` counts the stored
events the same way. The statements here are built once per table and select the same
rows: the events of the conversation's latest session (from its last ``session_started``
event, or all of them when there is none), in id order, as
``_event_query(…, fetch_events_from_all_sessions=False)`` does. The SQL is plain enough for
SQLite and PostgreSQL alike; ``tests/rasa/test_windowed_tracker_store.py`` compares the
trackers read with Rasa's own store's.
"""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from rasa.shared.core.events import SessionStarted
from sqlalchemy.sql.elements import TextClause


def _latest_session(columns: str, table: str) -> str:
    """``SELECT columns`` over the latest session's events of ``:sender_id``."""
    return (
        f"SELECT {columns} FROM {table} AS e, "  # noqa: S608 (Rasa's table name, our columns)
        f"(SELECT max(timestamp) AS session_start FROM {table} "
        "WHERE sender_id = :sender_id AND type_name = :session_started) AS s "
        "WHERE e.sender_id = :sender_id "
        "AND (e.timestamp >= s.session_start OR s.session_start IS NULL)"
    )


@lru_cache(maxsize=4)
def session_index(table: str) -> TextClause:
    """Id, type and action name of the latest session's events (``:sender_id``), in order."""
    return sa.text(
        _latest_session("e.id, e.type_name, e.action_name", table) + " ORDER BY e.id"
    ).bindparams(session_started=SessionStarted.type_name)


@lru_cache(maxsize=4)
def session_data(table: str) -> TextClause:
    """The JSON of the latest session's events (``:sender_id``), in order."""
    return sa.text(_latest_session("e.data", table) + " ORDER BY e.id").bindparams(
        session_started=SessionStarted.type_name
    )


@lru_cache(maxsize=4)
def session_count(table: str) -> TextClause:
    """How many events the latest session of ``:sender_id`` has stored."""
    return sa.text(_latest_session("count(*)", table)).bindparams(
        session_started=SessionStarted.type_name
    )


@lru_cache(maxsize=4)
def data_by_id(table: str) -> TextClause:
    """Id and JSON of the events whose ids are in ``:ids`` (a list)."""
    return sa.text(f"SELECT id, data FROM {table} WHERE id IN :ids").bindparams(  # noqa: S608
        sa.bindparam("ids", expanding=True)
    )

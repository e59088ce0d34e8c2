"""Database engine and sessions (SQLAlchemy 2). SQLite file by default, PostgreSQL tested."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import overload

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from storage.paths import VAR_DIR
from storage.settings import StorageSettings
from storage.sqlite_pragmas import set_pragmas


class Base(DeclarativeBase):
    """Declarative base of every ORM model of the project."""


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """An aware UTC datetime: SQLite gives stored datetimes back naive, and they are UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def make_engine(url: str, pool_timeout_s: float | None = None) -> Engine:
    """An engine for ``url``; SQLite gets :mod:`storage.sqlite_pragmas` (WAL,
    ``synchronous=NORMAL``, a busy timeout, foreign keys).
    ``pool_timeout_s``: how long to wait for a pooled connection (SQLAlchemy's default
    when ``None``)."""
    pool: dict[str, float] = {} if pool_timeout_s is None else {"pool_timeout": pool_timeout_s}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            VAR_DIR.mkdir(exist_ok=True)
        else:  # an in-memory database has a single connection, not a queue to wait in
            pool = {}
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            set_pragmas(dbapi_conn)

        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


@lru_cache
def get_engine() -> Engine:
    settings = StorageSettings()
    return make_engine(settings.database_url, settings.database_pool_timeout_s)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


async def get_session() -> AsyncIterator[Session]:
    """FastAPI dependency: one session per request. An async generator, so that FastAPI
    opens and closes it on the event loop instead of in two thread-pool hops (opening
    connects nothing; the first query does, in the route's own thread)."""
    with get_sessionmaker()() as session:
        yield session


def ping(engine: Engine) -> None:
    """Raise if the database does not answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))

"""The migrations create exactly the schema the models declare, on SQLite and PostgreSQL.

A fresh database is migrated to every head, then Alembic's autogenerate compares it with the
models' metadata (types and server defaults included): any difference means a model changed
without its migration (``python -m assistant db-revision``), or the reverse.
"""

from __future__ import annotations

from pathlib import Path
from pprint import pformat
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, create_engine

from assistant.models import import_all_models
from storage.db import Base
from storage.migrate import upgrade
from tests.postgres import throwaway_database

# What autogenerate compares besides tables, columns, indexes and constraints.
COMPARE_OPTIONS = {"compare_type": True, "compare_server_default": True}


def schema_differences(url: str, metadata: MetaData | None = None) -> list[Any]:
    """Alembic's differences between the database at ``url`` and the models' metadata."""
    import_all_models()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts=COMPARE_OPTIONS)
            return list(compare_metadata(context, metadata or Base.metadata))
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file migrated to every head."""
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    return url


def test_sqlite_migrations_create_the_models_schema(sqlite_url: str) -> None:
    differences = schema_differences(sqlite_url)
    assert differences == [], pformat(differences)


def test_comparison_sees_a_column_no_migration_creates(sqlite_url: str) -> None:
    """The check above is not vacuous: a model column without its migration shows up."""
    import_all_models()
    assert {"chat_turns", "portal_users", "submissions"} <= set(Base.metadata.tables)
    changed = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["portal_users"].append_column(Column("nickname", String(40), nullable=True))

    added = [
        (d[2], d[3].name) for d in schema_differences(sqlite_url, changed) if d[0] == "add_column"
    ]

    assert ("portal_users", "nickname") in added


@pytest.mark.postgres
def test_postgres_migrations_create_the_models_schema() -> None:
    with throwaway_database("assistant_migrations") as url:
        differences = schema_differences(url)
    assert differences == [], pformat(differences)

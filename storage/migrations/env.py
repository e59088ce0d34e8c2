"""Alembic environment: the URL comes from the settings unless the caller set one.

The migration scripts are explicit (``op.*``) and need no model. Autogenerating a new one needs
every feature's models registered on ``Base.metadata`` first: ``python -m assistant db-revision``
imports them (``assistant.models``, the composition root) before calling Alembic, so this
infrastructure package never imports the features above it.
"""

from __future__ import annotations

from alembic import context

from storage.db import Base, make_engine
from storage.settings import StorageSettings

config = context.config
url = config.get_main_option("sqlalchemy.url") or StorageSettings().database_url


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

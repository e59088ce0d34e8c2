"""Apply the Alembic migrations (``python -m assistant db-upgrade``; the runner does it too)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from storage.paths import REPO_ROOT


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "storage" / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str | None = None) -> None:
    """Bring the database at ``url`` (default: the settings') to the latest revision of
    every feature branch."""
    command.upgrade(alembic_config(url), "heads")

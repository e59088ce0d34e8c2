"""Settings every process shares: the environment and the database (prefix ``ASSISTANT_``).

The web app's ``Settings`` and the portal's ``PortalSettings`` extend this class, so one
environment variable (``ASSISTANT_DATABASE_URL``) configures the web app, the action server and
the command line alike.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.paths import REPO_ROOT, VAR_DIR


class StorageSettings(BaseSettings):
    """The environment and the database URL."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=REPO_ROOT / ".env", env_ignore_empty=True, extra="ignore"
    )

    environment: str = Field("development", description="development, test or production")
    database_url: str = Field(
        f"sqlite:///{VAR_DIR / 'assistant.db'}",
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL for scale-out.",
    )
    database_pool_timeout_s: float = Field(
        5.0,
        gt=0,
        description=(
            "Seconds a request waits for a pooled connection before the French 503 "
            "« momentanément surchargé ». Requests hold a connection for milliseconds (never "
            "across a call to Rasa), so a longer wait only means an overloaded server; "
            "SQLAlchemy's 30 s default stalled the event loop that long (SECURITY.md)."
        ),
    )

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

"""The web app's settings: one class, read from the environment (prefix ``ASSISTANT_``) or ``.env``.

Every limit and timeout of the gateway is here, documented once.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant import REPO_ROOT


class Settings(BaseSettings):
    """Settings of the web app and of the process runner."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=REPO_ROOT / ".env", env_ignore_empty=True, extra="ignore"
    )

    environment: str = Field("development", description="development, test or production")
    database_url: str = Field(
        f"sqlite:///{REPO_ROOT / 'var' / 'assistant.db'}",
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL for scale-out.",
    )
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    rasa_token: str | None = Field(
        None, description="Token of Rasa's HTTP API (--auth-token); the runner generates one."
    )
    web_host: str = "127.0.0.1"
    web_port: int = 8000

    # Gateway limits.
    max_message_chars: int = Field(2000, description="Longest user message accepted.")
    max_session_id_chars: int = 128
    rasa_timeout_s: float = Field(
        15.0, description="Longest wait for Rasa's reply before the « indisponible » answer."
    )
    health_timeout_s: float = Field(2.0, description="Timeout of each component's health probe.")
    rate_limit_per_session: int = Field(30, description="Messages per minute and session.")
    rate_limit_per_client: int = Field(120, description="Messages per minute and client address.")

    support_url: str = "/support"
    documentation_url: str = "/docs"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache to override them)."""
    return Settings()

"""The web app's settings: one class, read from the environment (prefix ``ASSISTANT_``) or ``.env``.

Every limit and timeout of the gateway is here, documented once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from portal.settings import PortalSettings
from storage.paths import REPO_ROOT


class Settings(PortalSettings):
    """Settings of the web app and of the process runner; with the portal's and the storage's
    fields (same prefix), which the lower layers read through their own classes."""

    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    rasa_token: str | None = Field(
        None, description="Token of Rasa's HTTP API (--auth-token); the runner generates one."
    )
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    trusted_proxies: str = Field(
        "",
        description=(
            "Comma-separated addresses of the reverse proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed. Empty (the default): none is, so a program on the "
            "machine cannot pose as another client and get round the per-client limits."
        ),
    )

    # Gateway limits.
    max_message_chars: int = Field(2000, description="Longest user message accepted.")
    max_session_id_chars: int = 128
    rasa_timeout_s: float = Field(
        15.0, description="Longest wait for Rasa's reply before the « indisponible » answer."
    )
    health_timeout_s: float = Field(2.0, description="Timeout of each component's health probe.")
    rate_limit_per_session: int = Field(30, description="Messages per minute and session.")
    rate_limit_per_client: int = Field(120, description="Messages per minute and client address.")

    # Identity (issue 4): the portal's fields are in portal/settings.py.
    session_cookie_name: str = Field(
        "cpp_session", description="Name of the portal session cookie (HttpOnly, SameSite=Lax)."
    )
    login_rate_limit_per_client: int = Field(
        20, description="Login attempts per minute and client address."
    )

    support_url: str = "/support"
    # Support web form and agents' replies in the chat (issue 5, escalation).
    support_form_rate_limit_per_client: int = Field(
        10, description="Support requests sent per minute and client address by /support."
    )
    support_csrf_cookie_name: str = Field(
        "support_csrf", description="Cookie holding the CSRF token of the /support form."
    )
    documentation_url: str = "/docs"

    # Chat widget and DSFR design system (issue 6).
    dsfr_dist_dir: Path = Field(
        REPO_ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist",
        description="Built DSFR assets (`npm ci`), served at /static/dsfr.",
    )
    cors_allowed_origins: str = Field(
        "",
        description=(
            "Comma-separated origins of host portals allowed to call the API from the widget "
            "(with cookies), e.g. https://portail.example.gouv.fr; empty: same origin only."
        ),
    )
    widget_allowed_domains: str = Field(
        "",
        description=(
            "Comma-separated extra domains whose links the chat widget makes clickable "
            "(HTTPS only); the portal's own /docs and /support links always are."
        ),
    )

    # Past one machine (issue 17): state every web worker and replica shares.
    redis_url: str | None = Field(
        None,
        description=(
            "Redis URL (e.g. redis://127.0.0.1:6379/0) of the state the web workers share: "
            "the rate limiters and the live events (agents' replies pushed to widgets). None "
            "(the default, `make run`): both live in the process, for one worker only."
        ),
    )
    redis_key_prefix: str = Field(
        "assistant:",
        description="Prefix of every Redis key and channel of the app (several apps, one Redis).",
    )
    web_workers: int = Field(
        1,
        ge=1,
        description=(
            "uvicorn worker processes of the web app started by the runner; more than one "
            "needs redis_url, or each worker would keep its own limits and live events."
        ),
    )
    # Several Rasa replicas (issue 17, README « Several Rasa replicas », assistant/scale_out.py).
    rasa_replicas: int = Field(
        1,
        ge=1,
        description=(
            "Rasa servers and action servers the runner starts, on consecutive ports from "
            "rasa_url's and action_server_url's; Rasa replica i calls action server i, and the "
            "gateway spreads conversations across the Rasa replicas. More than one needs "
            "rasa_tracker_store_url and rasa_lock_store_url."
        ),
    )
    rasa_tracker_store_url: str | None = Field(
        None,
        description=(
            "PostgreSQL URL of Rasa's tracker store shared by the replicas, e.g. "
            "postgresql://postgres@127.0.0.1:5432/assistant_rasa (a database of its own, which "
            "must exist). None (the default): the SQLite file of endpoints.yml, one Rasa only."
        ),
    )
    rasa_lock_store_url: str | None = Field(
        None,
        description=(
            "Redis URL of Rasa's lock store (e.g. redis://127.0.0.1:6379/0), so that two "
            "replicas never handle one conversation at once; its keys start with the "
            "letters and digits of redis_key_prefix. None (the default): Rasa's in-process "
            "lock store, one Rasa only."
        ),
    )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache to override them)."""
    return Settings()

"""Settings of the portal's domain: identity tokens, accounts, submissions (prefix ``ASSISTANT_``).

The action server reads them through this class; the web app's ``Settings`` extends it.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr

from storage.settings import StorageSettings


class PortalSettings(StorageSettings):
    """Identity tokens shared with the host portal, login lockout, status answers, chat
    retention."""

    identity_secret: SecretStr | None = Field(
        None,
        description=(
            "HMAC-SHA256 key of the identity tokens, shared with the host portal. Required in "
            "production; in development one is generated into var/identity.secret."
        ),
    )
    identity_ttl_s: int = Field(
        8 * 3600, description="Lifetime of an identity token and of the login session cookie."
    )
    login_max_failures: int = Field(
        5, description="Failed logins on one account before it is locked for a while."
    )
    login_lockout_s: int = Field(900, description="How long an account stays locked (seconds).")
    portal_api_key: SecretStr | None = Field(
        None,
        description=(
            "Key of the portal feed API (header X-API-Key). Required in production; in "
            "development one is generated into var/portal-api.key."
        ),
    )
    status_list_limit: int = Field(
        5, description="How many latest submissions the status answer lists."
    )
    chat_retention_days: int = Field(
        90,
        ge=1,
        description=(
            "Days a chat turn is kept before it is deleted (ticket transcripts keep their own "
            "copy). 90 days (issue 15's default): a quarter covers a user coming back to a "
            "conversation and a follow-up ticket (tickets answer within days), short enough "
            "not to keep what users typed for good (storage limitation, GDPR art. 5-1-e)."
        ),
    )


@lru_cache
def get_portal_settings() -> PortalSettings:
    """The process-wide portal settings (tests clear the cache to override them)."""
    return PortalSettings()

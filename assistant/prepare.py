"""Prepare the database before the servers start: migrations, accounts, support data.

Run by the runner in a child process (``python -m assistant prepare``) so that the runner,
which then only supervises the servers for as long as the stack runs, never holds the ORM,
Alembic or the password hasher in memory (about 25 MiB of its resident memory, issue 17).
"""

from __future__ import annotations

from assistant.config import Settings


def prepare_storage(settings: Settings) -> None:
    """Apply the migrations, then create the configured accounts and the support data."""
    from portal.accounts.seed import prepare as prepare_accounts
    from storage.migrate import upgrade
    from support_tickets.seed import seed_support

    upgrade(settings.database_url)
    prepare_accounts(settings)
    seed_support(settings.database_url, environment=settings.environment)

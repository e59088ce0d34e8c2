"""Demo portal accounts (one with a SIRET, one without) and their submissions.

Run by the runner at start (``prepare``), after the migrations; idempotent. Never in
production. The README lists these accounts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.accounts import repository
from portal.identity import ensure_secrets
from portal.settings import PortalSettings
from portal.submissions.seed import (
    DEMO_NO_SIRET_EMAIL,
    DEMO_SIRET,
    DEMO_SIRET_EMAIL,
    seed_demo_submissions,
)
from storage.db import make_engine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    name: str
    siret: str | None


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(DEMO_SIRET_EMAIL, "Demo-Siret-2026!", "EARL des Trois Chênes", DEMO_SIRET),
    DemoAccount(DEMO_NO_SIRET_EMAIL, "Demo-SansSiret-2026!", "Claire Moreau", None),
)


def seed_demo_accounts(session: Session) -> int:
    """Create the missing demo accounts (existing ones are left as they are)."""
    created = 0
    for account in DEMO_ACCOUNTS:
        if repository.get_by_email(session, account.email) is None:
            repository.create_user(
                session,
                email=account.email,
                name=account.name,
                password=account.password,
                siret=account.siret,
            )
            created += 1
    return created


def seed_demo(session: Session) -> None:
    accounts = seed_demo_accounts(session)
    submissions = seed_demo_submissions(session)
    if accounts or submissions:
        logger.info("Démo : %d compte(s) et %d formulaire(s) créés.", accounts, submissions)


def prepare(settings: PortalSettings) -> None:
    """Start-up step: check or create the secrets, then seed the demo data outside production."""
    ensure_secrets(settings)
    if settings.environment == "production":
        return
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            seed_demo(session)
    finally:
        engine.dispose()

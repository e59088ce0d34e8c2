"""Idempotent seed run by the runner at start: demo agent accounts and canned responses."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.db import make_engine
from storage.settings import StorageSettings
from support_tickets.auth import create_agent
from support_tickets.canned import seed_canned_responses
from support_tickets.config import SupportSettings, get_support_settings
from support_tickets.models import Agent
from support_tickets.taxonomy import ROLE_AGENT, ROLE_SUPERVISOR

logger = logging.getLogger(__name__)

DEMO_AGENT_EMAIL = "agent@support.chorus-portal-pro.example"
DEMO_SUPERVISOR_EMAIL = "superviseur@support.chorus-portal-pro.example"


def seed_demo_agents(session: Session, settings: SupportSettings | None = None) -> int:
    """Create the demo agent and supervisor if absent; returns how many were created."""
    settings = settings or get_support_settings()
    accounts = (
        (DEMO_AGENT_EMAIL, "Camille Agent", ROLE_AGENT, settings.demo_agent_password),
        (
            DEMO_SUPERVISOR_EMAIL,
            "Dominique Superviseur",
            ROLE_SUPERVISOR,
            settings.demo_supervisor_password,
        ),
    )
    created = 0
    for email, name, role, password in accounts:
        exists = session.scalar(select(func.count()).where(func.lower(Agent.email) == email))
        if not exists:
            create_agent(session, email=email, name=name, role=role, password=password)
            created += 1
    return created


def seed_support(
    database_url: str, settings: SupportSettings | None = None, environment: str | None = None
) -> None:
    """Seed the support desk's reference data in ``database_url`` (called after migrations).

    The demo accounts are never created when the environment is ``production``.
    """
    settings = settings or get_support_settings()
    environment = environment or StorageSettings().environment
    with_demo = settings.seed_demo_agents and environment != "production"
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            templates = seed_canned_responses(session)
            agents = seed_demo_agents(session, settings) if with_demo else 0
        logger.info("tickets.seeded canned=%d agents=%d", templates, agents)
    finally:
        engine.dispose()

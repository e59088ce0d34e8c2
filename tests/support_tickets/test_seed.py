"""The start-up seed: demo agents and canned responses, idempotent, never in production."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from storage.migrate import upgrade
from support_tickets.auth import authenticate
from support_tickets.config import SupportSettings
from support_tickets.models import Agent, CannedResponse
from support_tickets.seed import DEMO_AGENT_EMAIL, DEMO_SUPERVISOR_EMAIL, seed_support


def test_seed_support_idempotent_and_demo_logins_work(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    upgrade(url)
    settings = SupportSettings()
    seed_support(url, settings, environment="development")
    seed_support(url, settings, environment="development")
    engine = create_engine(url)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Agent)) == 2
        assert db.scalar(select(func.count()).select_from(CannedResponse)) == 5
        agent = authenticate(db, email=DEMO_AGENT_EMAIL, password=settings.demo_agent_password)
        supervisor = authenticate(
            db, email=DEMO_SUPERVISOR_EMAIL, password=settings.demo_supervisor_password
        )
        assert agent.role == "agent" and supervisor.role == "supervisor"
    engine.dispose()


def test_seed_support_creates_no_demo_agent_in_production(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    upgrade(url)
    seed_support(url, SupportSettings(), environment="production")
    engine = create_engine(url)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Agent)) == 0
        assert db.scalar(select(func.count()).select_from(CannedResponse)) == 5
    engine.dispose()

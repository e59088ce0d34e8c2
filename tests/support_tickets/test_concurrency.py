"""Ticket creation under 20 concurrent requests: none lost, none numbered twice, no gap, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db import make_engine
from assistant.migrate import upgrade
from support_tickets import service
from support_tickets.models import Ticket
from tests.postgres import throwaway_database

CONCURRENT_REQUESTS = 20


def _create_concurrently(engine: Engine, prefix: str) -> list[str]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)

    def create(i: int) -> str:
        with factory() as session:
            ticket = service.create_ticket(
                session,
                email=f"{prefix}.{i}@exemple.fr",
                category="technique",
                description=f"Demande simultanée numéro {i} ({prefix}) : page blanche.",
            )
            return ticket.number

    with ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS) as pool:
        return list(pool.map(create, range(CONCURRENT_REQUESTS)))


def _assert_all_numbered_once(engine: Engine, prefix: str, numbers: list[str]) -> None:
    assert len(numbers) == CONCURRENT_REQUESTS
    assert len(set(numbers)) == CONCURRENT_REQUESTS
    with Session(engine) as session:
        stored = session.scalars(
            select(Ticket.number).where(Ticket.email.like(f"{prefix}.%"))
        ).all()
        all_numbers = session.scalars(select(Ticket.number)).all()
        assert session.scalar(select(func.count()).select_from(Ticket)) == len(all_numbers)
    assert sorted(stored) == sorted(numbers)
    values = sorted(int(re.sub(r".*-", "", n)) for n in all_numbers)
    assert values == list(range(values[0], values[0] + len(values)))  # unique and gap-free


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'concurrency.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_create_ticket_concurrent_sqlite(sqlite_engine: Engine) -> None:
    numbers = _create_concurrently(sqlite_engine, "sqlite")
    _assert_all_numbered_once(sqlite_engine, "sqlite", numbers)


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    with throwaway_database("tickets_test") as url:
        engine = create_engine(url, pool_size=CONCURRENT_REQUESTS, max_overflow=5)
        yield engine
        engine.dispose()


@pytest.mark.postgres
def test_create_ticket_concurrent_postgres(pg_engine: Engine) -> None:
    numbers = _create_concurrently(pg_engine, "pg")
    _assert_all_numbered_once(pg_engine, "pg", numbers)

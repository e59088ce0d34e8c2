"""The Pilotage aggregates against a real PostgreSQL server: the same seeded turns and tickets
give the same figures as on SQLite (the UTC hour and the last decision are written in
PostgreSQL's own SQL there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from support_tickets.pilotage import PilotageFilters, compute
from tests.postgres import throwaway_database
from tests.support_tickets import pilotage_data as data

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_session() -> Iterator[Session]:
    with throwaway_database("pilotage_pg") as url:
        engine = create_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            yield session
        engine.dispose()


def test_pilotage_postgres_gives_the_sqlite_figures(pg_session: Session) -> None:
    seeded = data.seed(pg_session)
    result = compute(pg_session, PilotageFilters(data.START, data.END, seeded.page_a))
    assert result.turns_per_day == data.TURNS_PER_DAY
    assert result.outcomes == data.OUTCOMES
    assert (result.feedback_positive, result.feedback_negative) == (
        data.FEEDBACK_POSITIVE,
        data.FEEDBACK_NEGATIVE,
    )
    assert result.top_intents == data.TOP_INTENTS
    assert result.latency_days == data.LATENCY_DAYS
    assert result.latency_p50_by_day == data.LATENCY_P50_BY_DAY
    assert result.latency_p95_by_day == data.LATENCY_P95_BY_DAY
    assert (result.latency_p50, result.latency_p95) == (data.LATENCY_P50, data.LATENCY_P95)
    assert result.tickets_opened == data.TICKETS_OPENED
    assert result.tickets_resolved == data.TICKETS_RESOLVED
    first, resolution = result.sla_first_response, result.sla_resolution
    assert (first.kept, first.measured) == data.SLA_FIRST_RESPONSE
    assert (resolution.kept, resolution.measured) == data.SLA_RESOLUTION
    everywhere = compute(pg_session, PilotageFilters(data.START, data.END))
    assert everywhere.turns_per_day == [3, 1, 2, 2, 1, 0, 0]
    assert everywhere.pages == [seeded.page_a, seeded.page_b]

"""Incidents on a real PostgreSQL server: grouping at creation (its advisory lock and its
aggregate query) and the answer sent once to every ticket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.auth import create_agent
from support_tickets.incident_replies import answer_incident
from support_tickets.models import Incident
from tests.postgres import throwaway_database
from tests.support_tickets.test_incidents import reports

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_session() -> Iterator[Session]:
    with throwaway_database("incidents_pg") as url:
        engine = create_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            yield session
        engine.dispose()


def test_postgres_incident_grouped_at_creation_and_answered_once(pg_session: Session) -> None:
    db = pg_session
    agent = create_agent(
        db,
        email="agent.inc@exemple.fr",
        name="Agent PG",
        role="agent",
        password="mot-de-passe-pg-01",
    )
    tickets = [
        service.create_ticket(
            db, email=f"usager{i}@exemple.fr", category="factures", description=text
        )
        for i, text in enumerate(reports(3))
    ]
    unrelated = service.create_ticket(
        db,
        email="autre@exemple.fr",
        category="tic_ticgn",
        description="Quand sera versé le remboursement TICGN de mon exploitation ?",
    )
    for ticket in [*tickets, unrelated]:
        db.refresh(ticket)
    incident = db.get(Incident, tickets[0].incident_id or 0)
    assert incident is not None and unrelated.incident_id is None
    assert {t.incident_id for t in tickets} == {incident.id}
    assert (incident.ticket_count, incident.requester_count) == (3, 3)

    answer = answer_incident(db, incident, agent=agent, text="C'est réparé.", status="resolu")

    assert answer.answered == 3
    for ticket in tickets:
        db.refresh(ticket)
        assert ticket.status == "resolu"
        assert [m.body for m in ticket.messages if m.author_type == "agent"] == ["C'est réparé."]

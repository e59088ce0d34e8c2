"""Bulk actions of the console's queue: each ticket goes through the state machine in its own
transaction, refusals are reported per ticket in French, and the CSRF token is required."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.console_bulk import NO_TICKET_CHOSEN, UNKNOWN_AGENT
from support_tickets.models import Agent, Ticket
from tests.support_tickets.conftest import make_agent, unique_email
from tests.support_tickets.test_console import console_login

BULK_URL = "/console/tickets/actions-groupees"


def _ticket(db: Session, text: str) -> Ticket:
    return service.create_ticket(db, email=unique_email(), category="autre", description=text)


def test_console_bulk_assigns_several_tickets(
    client: TestClient, db: Session, agent: Agent
) -> None:
    colleague = make_agent(db)
    first = _ticket(db, "Première demande à répartir entre agents.")
    second = _ticket(db, "Seconde demande à répartir entre agents.")
    csrf = console_login(client, agent)
    page = client.get("/console/tickets").text
    assert f'name="ticket_ids" value="{first.id}"' in page
    response = client.post(
        BULK_URL,
        data={
            "ticket_ids": [str(first.id), str(second.id)],
            "action": "assigner",
            "assignee": str(colleague.id),
            "csrf_token": csrf,
            "retour": "status=tous",
        },
    )
    assert response.status_code == 200
    assert f"Assignation à {colleague.name}" in response.text
    assert f"2 tickets modifiés ({first.number}, {second.number})" in response.text
    for ticket in (first, second):
        db.refresh(ticket)
        assert ticket.assignee_id == colleague.id
        assert ticket.events[-1].kind == "assignation"


def test_console_bulk_status_reports_refusals_per_ticket(
    client: TestClient, db: Session, agent: Agent
) -> None:
    open_one = _ticket(db, "Une demande ouverte à résoudre en lot.")
    closed = _ticket(db, "Une demande déjà close avant le lot.")
    service.change_status(db, closed, agent=agent, status="clos")
    events_before = len(closed.events)
    csrf = console_login(client, agent)
    response = client.post(
        BULK_URL,
        data={
            "ticket_ids": [str(open_one.id), str(closed.id)],
            "action": "statut",
            "status": "resolu",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 200
    text = response.text
    assert "Passage au statut « Résolu »" in text
    assert f"1 ticket modifié ({open_one.number})" in text
    assert re.search(
        rf"<li>{closed.number} : Passage impossible de « Clos » à « Résolu »\. "
        r"Un ticket clos ne change plus de statut\.</li>",
        text.replace("&#34;", '"'),
    )
    db.refresh(open_one)
    db.refresh(closed)
    assert open_one.status == "resolu" and open_one.events[-1].kind == "statut"
    assert closed.status == "clos" and len(closed.events) == events_before


def test_console_bulk_refuses_without_csrf_or_selection_or_agent(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = _ticket(db, "Une demande qui ne doit pas bouger.")
    csrf = console_login(client, agent)
    forged = client.post(
        BULK_URL,
        data={"ticket_ids": [str(ticket.id)], "action": "statut", "status": "resolu"},
    )
    assert forged.status_code == 403
    empty = client.post(BULK_URL, data={"action": "statut", "status": "resolu", "csrf_token": csrf})
    assert empty.status_code == 422 and NO_TICKET_CHOSEN in empty.text
    unknown = client.post(
        BULK_URL,
        data={
            "ticket_ids": [str(ticket.id)],
            "action": "assigner",
            "assignee": "999999",
            "csrf_token": csrf,
        },
    )
    assert unknown.status_code == 422 and UNKNOWN_AGENT.replace("'", "&#39;") in unknown.text
    db.refresh(ticket)
    assert ticket.status == "nouveau" and ticket.assignee_id is None
    assert not {e.kind for e in ticket.events} & {"statut", "assignation"}

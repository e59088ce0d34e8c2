"""Incidents in the console: the list, the incident page, the ticket page's link to its
incident, the answer sent once from the incident page (CSRF checked), and grouping on demand
of tickets created before (the 183 near-identical tickets that were not linked)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.models import Agent, Incident, Ticket, TicketMessage
from tests.support_tickets.conftest import unique_email
from tests.support_tickets.test_console import console_login


def problem(count: int = 3) -> list[str]:
    """``count`` reports of a problem no other test has (its words are drawn at random)."""
    words = " ".join(uuid.uuid4().hex[:9] for _ in range(6))
    base = f"Erreur {words} au dépôt de facture"
    variants = (f"{base}.", f"{base} depuis ce matin.", f"Depuis hier : {base}.")
    return [variants[i % len(variants)] for i in range(count)]


def grouped(db: Session, count: int = 3) -> tuple[Incident, list[Ticket]]:
    """``count`` tickets of different requesters, grouped at creation; their incident."""
    tickets = [
        service.create_ticket(db, email=unique_email(), category="factures", description=text)
        for text in problem(count)
    ]
    for ticket in tickets:
        db.refresh(ticket)
    incident = db.get(Incident, tickets[0].incident_id or 0)
    assert incident is not None and {t.incident_id for t in tickets} == {incident.id}
    return incident, tickets


def agent_replies(db: Session, ticket: Ticket) -> list[str]:
    query = select(TicketMessage.body).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.author_type == "agent"
    )
    return list(db.scalars(query))


def test_incident_pages_list_show_and_link_from_ticket(
    client: TestClient, db: Session, agent: Agent
) -> None:
    incident, tickets = grouped(db)
    console_login(client, agent, "/console/incidents")

    listing = client.get("/console/incidents")
    page = client.get(f"/console/incidents/{incident.id}")
    ticket_page = client.get(f"/console/tickets/{tickets[1].id}")

    assert f'href="/console/incidents/{incident.id}"' in listing.text
    assert f"Incident n° {incident.id}" in page.text
    assert all(t.number in page.text for t in tickets)
    assert "3 tickets de 3 usagers" in page.text
    assert f'href="/console/incidents/{incident.id}"' in ticket_page.text
    assert "fait partie de l'incident" in ticket_page.text


def test_incident_answer_form_replies_to_every_ticket(
    client: TestClient, db: Session, agent: Agent
) -> None:
    incident, tickets = grouped(db)
    token = console_login(client, agent, f"/console/incidents/{incident.id}")
    text = "Le dépôt des factures fonctionne de nouveau."

    response = client.post(
        f"/console/incidents/{incident.id}/reponse",
        data={"text": text, "status": "resolu", "csrf_token": token},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/console/incidents/{incident.id}?envoyes=3"
    assert "Réponse envoyée à 3 tickets de" in client.get(response.headers["location"]).text
    for ticket in tickets:
        db.refresh(ticket)
        assert agent_replies(db, ticket) == [text] and ticket.status == "resolu"


def test_incident_answer_form_refuses_missing_csrf(
    client: TestClient, db: Session, agent: Agent
) -> None:
    incident, tickets = grouped(db)
    console_login(client, agent, f"/console/incidents/{incident.id}")

    response = client.post(
        f"/console/incidents/{incident.id}/reponse",
        data={"text": "Réponse", "csrf_token": "faux"},
    )

    assert response.status_code == 403 and "jeton de sécurité" in response.text
    assert all(agent_replies(db, t) == [] for t in tickets)


def test_incident_regroup_form_groups_tickets_created_before(
    client: TestClient, db: Session, agent: Agent
) -> None:
    """Tickets stored before incidents existed are grouped by « Regrouper les tickets
    récents », whatever their e-mails."""
    incident, tickets = grouped(db, 4)
    ids = [t.id for t in tickets]
    db.execute(update(Ticket).where(Ticket.id.in_(ids)).values(incident_id=None))
    db.execute(delete(Incident).where(Incident.id == incident.id))
    db.commit()
    token = console_login(client, agent, "/console/incidents")

    response = client.post("/console/incidents/regrouper", data={"csrf_token": token})

    assert response.status_code == 200 and "Regroupement effectué" in response.text
    db.expire_all()
    regrouped = {db.get(Ticket, i).incident_id for i in ids}  # type: ignore[union-attr]
    assert len(regrouped) == 1 and None not in regrouped

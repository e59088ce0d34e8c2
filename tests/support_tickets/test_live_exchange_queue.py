"""The queue marks the tickets where the requester wrote after the agents' last reply
(issue 13), and the mark goes once an agent answers."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.models import Agent
from support_tickets.taxonomy import STATUS_WAITING_USER
from tests.support_tickets.conftest import AGENT_PASSWORD, unique_email

MARK = "Nouveau message de l'usager"


def _login(client: TestClient, agent: Agent) -> None:
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post(
        "/console/login",
        data={"email": agent.email, "password": AGENT_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def _queue_row(client: TestClient, ticket_id: int, number: str) -> str:
    page = client.get("/console/tickets", params={"q": number, "status": "tous"})
    assert page.status_code == 200
    link = f'href="/console/tickets/{ticket_id}"'
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{link}(?:(?!</tr>).)*</tr>", page.text, re.S)
    assert row is not None, page.text
    return row.group(0)


def test_live_exchange_queue_marks_new_user_message(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = service.create_ticket(
        db,
        email=unique_email(),
        category="compte",
        description="Je n'arrive plus à me connecter au portail.",
        chat_session_id="queue-mark-0001",
    )
    service.reply_to_ticket(
        db, ticket, agent=agent, text="Quel est votre SIRET ?", status=STATUS_WAITING_USER
    )
    _login(client, agent)
    assert MARK not in _queue_row(client, ticket.id, ticket.number)

    service.add_user_message(db, ticket, "13002526500013")
    assert MARK in _queue_row(client, ticket.id, ticket.number)

    service.reply_to_ticket(db, ticket, agent=agent, text="Merci, c'est noté.")
    assert MARK not in _queue_row(client, ticket.id, ticket.number)

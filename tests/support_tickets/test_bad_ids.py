"""Ids that cannot exist and odd digits, in the agents' API and console: a French 4xx, never a
500, and nothing stored changes (security issue: integers beyond 2^63 − 1, « ² »)."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.models import Agent, Ticket
from support_tickets.validation import MAX_ROW_ID, parse_row_id
from tests.support_tickets.conftest import api_login, unique_email
from tests.support_tickets.test_console import console_login

# Beyond SQLite's integers (2^63), beyond PostgreSQL's INTEGER (2^31), and far beyond.
HUGE_IDS = [2**63, MAX_ROW_ID + 1, 10**30]
# Digits for str.isdigit() but not for int() (« ² ») or not ASCII (« ٣ », « ３ »).
ODD_DIGITS = ["²", "٣", "３", "1²", " 1", "1\n"]
TICKET_ROUTES = [
    ("GET", ""),
    ("GET", "/canned-responses/accuse_reception"),
    ("POST", "/replies"),
    ("POST", "/notes"),
    ("POST", "/assign"),
    ("POST", "/status"),
    ("POST", "/priority"),
    ("POST", "/merge"),
]
BODIES = {
    "/replies": {"text": "Bonjour."},
    "/notes": {"text": "Note."},
    "/assign": {"assignee_id": None},
    "/status": {"status": "en_cours"},
    "/priority": {"priority": "haute"},
    "/merge": {"target_id": 1},
}
CONSOLE_FORMS = {
    "reponse": {"text": "Bonjour."},
    "note": {"text": "Note."},
    "assignation": {"assignee": ""},
    "statut": {"status": "en_cours"},
    "priorite": {"priority": "haute"},
    "fusion": {"target": "1"},
}


def _ticket(db: Session) -> Ticket:
    return service.create_ticket(
        db, email=unique_email(), category="autre", description="Une question restée en suspens."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), ("0042", 42), (str(MAX_ROW_ID), MAX_ROW_ID), ("0", None), ("", None), (None, None)]
    + [(str(huge), None) for huge in HUGE_IDS]
    + [(odd, None) for odd in ODD_DIGITS],
)
def test_parse_row_id_only_ascii_digits_within_range(
    text: str | None, expected: int | None
) -> None:
    assert parse_row_id(text) == expected


@pytest.mark.parametrize("ticket_id", HUGE_IDS)
@pytest.mark.parametrize(("method", "suffix"), TICKET_ROUTES)
def test_api_ticket_id_beyond_range_is_french_404(
    client: TestClient, agent: Agent, ticket_id: int, method: str, suffix: str
) -> None:
    headers = api_login(client, agent)
    response = client.request(
        method,
        f"/api/agent/tickets/{ticket_id}{suffix}",
        json=BODIES.get(suffix),
        headers=headers,
    )
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == "Ce ticket n'existe pas."


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize(("suffix", "field"), [("/assign", "assignee_id"), ("/merge", "target_id")])
def test_api_body_id_beyond_range_is_french_422(
    client: TestClient, db: Session, agent: Agent, huge: int, suffix: str, field: str
) -> None:
    ticket = _ticket(db)
    events = len(ticket.events)
    headers = api_login(client, agent)
    url = f"/api/agent/tickets/{ticket.id}{suffix}"
    response = client.post(url, json={field: huge}, headers=headers)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"].startswith("La requête est invalide")
    assert [e["field"] for e in body["errors"]] == [field]
    db.expire_all()
    assert len(db.get(Ticket, ticket.id).events) == events  # type: ignore[union-attr]


@pytest.mark.parametrize("assignee", [*ODD_DIGITS, str(2**63), str(10**30)])
def test_api_queue_assignee_filter_ignores_what_is_no_id(
    client: TestClient, agent: Agent, assignee: str
) -> None:
    api_login(client, agent)
    unfiltered = client.get("/api/agent/tickets", params={"status": "tous"})
    response = client.get("/api/agent/tickets", params={"status": "tous", "assignee": assignee})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == unfiltered.json()["total"]


def test_api_queue_assignee_filter_by_id_still_filters(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = _ticket(db)
    headers = api_login(client, agent)
    url = f"/api/agent/tickets/{ticket.id}/assign"
    assert client.post(url, json={"assignee_id": agent.id}, headers=headers).status_code == 200
    for written in (str(agent.id), f"000{agent.id}"):
        queue = client.get("/api/agent/tickets", params={"assignee": written}).json()
        assert [t["id"] for t in queue["tickets"]] == [ticket.id]


@pytest.mark.parametrize("ticket_id", HUGE_IDS)
def test_console_ticket_id_beyond_range_is_french_404_page(
    client: TestClient, agent: Agent, ticket_id: int
) -> None:
    csrf = console_login(client, agent)
    page = client.get(f"/console/tickets/{ticket_id}")
    assert page.status_code == 404 and "Ce ticket n'existe pas." in html.unescape(page.text)
    for action, data in CONSOLE_FORMS.items():
        response = client.post(
            f"/console/tickets/{ticket_id}/{action}",
            data={**data, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 404, (action, response.text)
        assert "Ce ticket n'existe pas." in html.unescape(response.text)


@pytest.mark.parametrize("assignee", ["²", "٣", str(2**63)])
def test_console_queue_assignee_filter_ignores_what_is_no_id(
    client: TestClient, agent: Agent, assignee: str
) -> None:
    console_login(client, agent)
    page = client.get("/console/tickets", params={"assignee": assignee})
    assert page.status_code == 200 and 'lang="fr"' in page.text


@pytest.mark.parametrize("assignee", ["²", "1²", "9" * 16])
def test_console_assign_form_refuses_what_is_no_agent(
    client: TestClient, db: Session, agent: Agent, assignee: str
) -> None:
    ticket = _ticket(db)
    csrf = console_login(client, agent)
    base = f"/console/tickets/{ticket.id}"
    assigned = client.post(
        f"{base}/assignation",
        data={"assignee": str(agent.id), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert assigned.status_code == 303
    response = client.post(f"{base}/assignation", data={"assignee": assignee, "csrf_token": csrf})
    assert response.status_code == 422
    assert "Cet agent n'existe pas ou n'est plus actif." in html.unescape(response.text)
    db.expire_all()
    assert db.get(Ticket, ticket.id).assignee_id == agent.id  # type: ignore[union-attr]


@pytest.mark.parametrize("target", ["9" * 32, str(2**63), "²"])
def test_console_merge_form_target_beyond_range_is_not_found(
    client: TestClient, db: Session, agent: Agent, target: str
) -> None:
    ticket = _ticket(db)
    csrf = console_login(client, agent)
    response = client.post(
        f"/console/tickets/{ticket.id}/fusion", data={"target": target, "csrf_token": csrf}
    )
    assert response.status_code == 404
    assert "Aucun ticket ne porte le numéro" in html.unescape(response.text)
    db.expire_all()
    assert db.get(Ticket, ticket.id).merged_into_id is None  # type: ignore[union-attr]

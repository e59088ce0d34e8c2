"""The server-rendered console: login with CSRF, pages render in French, forms need the CSRF
token, actions redirect back with a notice, errors are shown on the page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.models import Agent
from tests.support_tickets.conftest import AGENT_PASSWORD, unique_email


def console_login(client: TestClient, agent: Agent, next_path: str = "/console/tickets") -> str:
    """Log in through the login form; returns the session's CSRF token from the next page."""
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/console/login",
        data={
            "email": agent.email,
            "password": AGENT_PASSWORD,
            "csrf_token": token,
            "suivant": next_path,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == next_path
    landing = client.get(next_path)
    return re.search(r'name="csrf_token" value="([^"]+)"', landing.text).group(1)  # type: ignore[union-attr]


def test_console_redirects_anonymous_to_login(client: TestClient) -> None:
    response = client.get("/console/tickets/3", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?suivant=/console/tickets/3"
    page = client.get("/console/login")
    assert page.status_code == 200 and "Console du support" in page.text
    assert 'lang="fr"' in page.text and "fr-input" in page.text


def test_console_login_refuses_missing_csrf(client: TestClient, agent: Agent) -> None:
    client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"email": agent.email, "password": AGENT_PASSWORD, "csrf_token": "faux"},
    )
    assert response.status_code == 403 and "jeton de sécurité" in response.text
    assert "agent_session" not in client.cookies


def test_console_login_wrong_password_shows_error(client: TestClient, agent: Agent) -> None:
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/console/login",
        data={"email": agent.email, "password": "mauvais-mot-de-passe", "csrf_token": token},
    )
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.text


def test_console_login_ignores_external_next(client: TestClient, agent: Agent) -> None:
    page = client.get("/console/login?suivant=https://evil.example/")
    assert 'value="/console/tickets"' in page.text


def test_console_queue_and_ticket_pages_render(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = service.create_ticket(
        db,
        email=unique_email(),
        category="memoires",
        description="Mon mémoire <script>alert(1)</script> est rejeté, que faire ?",
        reference="MJ-2026-000555",
        identity={"sub": "user-console-1", "name": "Hélène Roux", "siret": "12345678901234"},
        chat_session_id="chat-console-1",
        transcript=[
            {
                "role": "user",
                "text": "mon mémoire est rejeté",
                "intent": "ask_question",
                "confidence": 0.87,
            },
            {
                "role": "bot",
                "text": "Je n'ai pas de réponse sûre.",
                "kb": {
                    "decision": "abstain",
                    "candidates": [{"title": "Mémoire rejeté", "score": 0.31}],
                },
            },
        ],
        kb_candidates=[{"title": "Mémoire rejeté", "score": 0.31, "url": "/docs/memoires"}],
        page="/memoires",
    )
    console_login(client, agent)
    queue = client.get("/console/tickets")
    assert queue.status_code == 200 and ticket.number in queue.text
    assert "File des tickets" in queue.text and "Délais (SLA)" in queue.text
    assert queue.text.index(ticket.number) < queue.text.index("</tbody>")
    page = client.get(f"/console/tickets/{ticket.id}")
    assert page.status_code == 200
    text = page.text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    for expected in (
        "Hélène Roux",
        "SIRET 12345678901234",
        "MJ-2026-000555",
        "Conversation avec l'assistant",
        "ask_question",
        "(0.87)",
        "Mémoire rejeté (0.31)",
        "Historique",
        "Création du ticket",
        "Réponse type",
        "Note interne",
        "Fusionner ce ticket dans",
    ):
        assert expected in text, expected


def test_console_reply_with_canned_response_and_csrf(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = service.create_ticket(
        db,
        email=unique_email(),
        category="compte",
        description="Je souhaite changer l'adresse e-mail de mon compte.",
        identity={"sub": "user-console-2", "name": "Louis Blanc"},
        chat_session_id="chat-console-2",
    )
    csrf = console_login(client, agent)
    draft_page = client.get(f"/console/tickets/{ticket.id}?modele=accuse_reception")
    assert f"Bonjour Louis,\n\nJe prends en charge votre demande {ticket.number}" in (
        draft_page.text
    )
    url = f"/console/tickets/{ticket.id}/reponse"
    refused = client.post(url, data={"text": "Bonjour", "csrf_token": "faux"})
    assert refused.status_code == 403
    done = client.post(
        url,
        data={
            "text": "Bonjour Louis, c'est fait.",
            "csrf_token": csrf,
            "canned_key": "accuse_reception",
            "status": "resolu",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?ok=reponse")
    page = client.get(done.headers["location"])
    assert "Votre réponse a été envoyée à l&#39;usager." in page.text
    replies = service.public_replies_for_chat_session(db, "chat-console-2")
    assert [r.body for r in replies] == ["Bonjour Louis, c'est fait."]
    db.refresh(ticket)
    assert ticket.status == "resolu"


def test_console_invalid_transition_shows_french_error(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = service.create_ticket(
        db, email=unique_email(), category="autre", description="Une demande qui sera close."
    )
    service.change_status(db, ticket, agent=agent, status="clos")
    csrf = console_login(client, agent)
    response = client.post(
        f"/console/tickets/{ticket.id}/statut", data={"status": "en_cours", "csrf_token": csrf}
    )
    assert response.status_code == 409
    assert "Un ticket clos ne change plus de statut." in response.text


def test_console_note_assign_priority_merge(client: TestClient, db: Session, agent: Agent) -> None:
    email = unique_email()
    target = service.create_ticket(
        db,
        email=email,
        category="factures",
        description="Ma facture FA-2026-12 est rejetée par le portail.",
    )
    source = service.create_ticket(
        db,
        email=email,
        category="factures",
        description="La facture FA-2026-12 est rejetée par le portail.",
    )
    csrf = console_login(client, agent)
    base = f"/console/tickets/{source.id}"
    for path, data in (
        ("note", {"text": "Vérifier le SIRET du destinataire."}),
        ("assignation", {"assignee": str(agent.id)}),
        ("priorite", {"priority": "urgente"}),
    ):
        response = client.post(
            f"{base}/{path}", data={**data, "csrf_token": csrf}, follow_redirects=False
        )
        assert response.status_code == 303, (path, response.text)
    page = client.get(base).text
    assert "Vérifier le SIRET du destinataire." in page and "note interne" in page
    assert "Changement de priorité : Haute → Urgente" in page
    merged = client.post(
        f"{base}/fusion", data={"target": target.number, "csrf_token": csrf}, follow_redirects=False
    )
    assert merged.status_code == 303
    assert merged.headers["location"].startswith(f"/console/tickets/{target.id}?ok=fusion")
    target_page = client.get(merged.headers["location"]).text
    assert "issu du ticket " + source.number in target_page
    assert "les deux historiques sont conservés" in target_page


def test_console_overview_for_supervisors_only(
    client: TestClient, agent: Agent, supervisor: Agent
) -> None:
    console_login(client, agent)
    assert client.get("/console/vue-ensemble").status_code == 403
    client.cookies.clear()
    console_login(client, supervisor, "/console/vue-ensemble")
    page = client.get("/console/vue-ensemble")
    assert page.status_code == 200 and "Tickets ouverts par catégorie et ancienneté" in page.text
    assert "Mémoires de frais de justice" in page.text


def test_console_logout_needs_csrf_and_ends_session(client: TestClient, agent: Agent) -> None:
    csrf = console_login(client, agent)
    assert client.post("/console/logout", data={"csrf_token": "faux"}).status_code == 403
    response = client.post("/console/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/console/tickets", follow_redirects=False).status_code == 303

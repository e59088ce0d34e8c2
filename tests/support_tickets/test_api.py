"""The agents' JSON API: permissions (anonymous, portal users, agents, supervisors), CSRF, and
the operations end to end through HTTP."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.models import Agent
from tests.support_tickets.conftest import api_login, unique_email

AGENT_ROUTES = [
    ("GET", "/api/agent/me"),
    ("GET", "/api/agent/tickets"),
    ("GET", "/api/agent/tickets/1"),
    ("GET", "/api/agent/agents"),
    ("GET", "/api/agent/canned-responses"),
    ("GET", "/api/agent/overview"),
    ("POST", "/api/agent/tickets/1/replies"),
    ("POST", "/api/agent/tickets/1/notes"),
    ("POST", "/api/agent/tickets/1/status"),
    ("POST", "/api/agent/tickets/1/priority"),
    ("POST", "/api/agent/tickets/1/assign"),
    ("POST", "/api/agent/tickets/1/merge"),
    ("POST", "/api/agent/logout"),
]
CONSOLE_PAGES = ["/console/tickets", "/console/tickets/1", "/console/vue-ensemble"]


@pytest.mark.parametrize(("method", "path"), AGENT_ROUTES)
def test_api_agent_routes_refuse_anonymous(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Connexion requise")


def test_api_agent_routes_refuse_portal_user_session(client: TestClient, db: Session) -> None:
    from portal.accounts.seed import DEMO_ACCOUNTS, seed_demo_accounts

    seed_demo_accounts(db)
    account = DEMO_ACCOUNTS[0]
    response = client.post(
        "/api/auth/login", json={"email": account.email, "password": account.password}
    )
    assert response.status_code == 200, response.text
    assert client.cookies, "the portal login set no cookie"
    for method, path in AGENT_ROUTES:
        assert client.request(method, path, json={}).status_code == 401, path
    for path in CONSOLE_PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/console/login" in response.headers["location"]


def test_api_login_wrong_password_is_401_in_french(client: TestClient, agent: Agent) -> None:
    response = client.post(
        "/api/agent/login", json={"email": agent.email, "password": "mauvais-mot-de-passe"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Adresse e-mail ou mot de passe incorrect."


def test_api_login_sets_httponly_strict_cookie(client: TestClient, agent: Agent) -> None:
    response = client.post(
        "/api/agent/login", json={"email": agent.email, "password": "mot-de-passe-agent-01"}
    )
    cookie = response.headers["set-cookie"].lower()
    assert "agent_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain HTTP in tests; Secure when served over HTTPS


def test_api_writes_require_csrf_header(client: TestClient, db: Session, agent: Agent) -> None:
    ticket = service.create_ticket(
        db, email=unique_email(), category="autre", description="Une question restée sans réponse."
    )
    headers = api_login(client, agent)
    url = f"/api/agent/tickets/{ticket.id}/notes"
    assert client.post(url, json={"text": "note"}).status_code == 403
    wrong = client.post(url, json={"text": "note"}, headers={"X-CSRF-Token": "faux"})
    assert wrong.status_code == 403 and "CSRF" in wrong.json()["detail"]
    assert client.post(url, json={"text": "note"}, headers=headers).status_code == 200


def test_api_ticket_flow_reply_status_priority_assign(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = service.create_ticket(
        db,
        email=unique_email(),
        category="compte",
        description="Je n'ai pas reçu le lien de réinitialisation.",
        identity={"sub": "user-api-1", "name": "Jeanne Moreau"},
        chat_session_id="chat-api-flow-1",
    )
    headers = api_login(client, agent)
    queue = client.get("/api/agent/tickets", params={"sort": "recent"}).json()
    assert queue["tickets"][0]["number"] == ticket.number
    assert queue["status_counts"]["nouveau"] >= 1
    rendered = client.get(
        f"/api/agent/tickets/{ticket.id}/canned-responses/accuse_reception"
    ).json()["text"]
    assert rendered.startswith("Bonjour Jeanne,") and ticket.number in rendered
    assert agent.name in rendered
    base = f"/api/agent/tickets/{ticket.id}"
    reply = client.post(
        f"{base}/replies",
        json={"text": rendered, "canned_key": "accuse_reception"},
        headers=headers,
    )
    assert reply.status_code == 200 and reply.json()["status"] == "en_cours"
    bad = client.post(f"{base}/status", json={"status": "nouveau"}, headers=headers)
    assert bad.status_code == 409 and "Passage impossible" in bad.json()["detail"]
    assert (
        client.post(f"{base}/priority", json={"priority": "haute"}, headers=headers).json()[
            "priority"
        ]
        == "haute"
    )
    assigned = client.post(f"{base}/assign", json={"assignee_id": agent.id}, headers=headers)
    assert assigned.json()["assignee"]["id"] == agent.id
    mine = client.get("/api/agent/tickets", params={"assignee": "moi"}).json()
    assert [t["number"] for t in mine["tickets"]] == [ticket.number]
    detail = client.get(base).json()
    assert [e["kind"] for e in detail["events"]] == [
        "creation",
        "reponse",
        "statut",
        "priorite",
        "assignation",
    ]
    replies = service.public_replies_for_chat_session(db, "chat-api-flow-1")
    assert [r.body for r in replies] == [rendered]


def test_api_queue_search_and_filters(client: TestClient, db: Session, agent: Agent) -> None:
    marker = f"marqueur{unique_email()[8:16]}"
    ticket = service.create_ticket(
        db,
        email=unique_email(),
        category="tic_ticgn",
        description=f"Remboursement TICGN {marker} en attente.",
    )
    api_login(client, agent)
    found = client.get("/api/agent/tickets", params={"q": marker}).json()
    assert [t["number"] for t in found["tickets"]] == [ticket.number]
    assert found["tickets"][0]["sla"]["state"] in ("ok", "a_risque", "depasse")
    none = client.get("/api/agent/tickets", params={"q": marker, "category": "compte"}).json()
    assert none["total"] == 0
    by_number = client.get("/api/agent/tickets", params={"q": ticket.number.lower()}).json()
    assert by_number["tickets"][0]["id"] == ticket.id


def test_api_overview_only_for_supervisors(
    client: TestClient, agent: Agent, supervisor: Agent
) -> None:
    api_login(client, agent)
    refused = client.get("/api/agent/overview")
    assert refused.status_code == 403 and "superviseurs" in refused.json()["detail"]
    api_login(client, supervisor)
    data = client.get("/api/agent/overview").json()
    assert set(data["by_category"]) >= {"compte", "tic_ticgn"} and len(data["age_buckets"]) == 4


def test_api_merge_through_http(client: TestClient, db: Session, agent: Agent) -> None:
    email = unique_email()
    target = service.create_ticket(
        db, email=email, category="compte", description="Mon compte est verrouillé depuis ce matin."
    )
    source = service.create_ticket(
        db,
        email=email,
        category="compte",
        description="Mon compte est toujours verrouillé ce matin.",
    )
    assert source.duplicate_of_id == target.id
    headers = api_login(client, agent)
    merged = client.post(
        f"/api/agent/tickets/{source.id}/merge", json={"target_id": target.id}, headers=headers
    )
    assert merged.status_code == 200 and merged.json()["number"] == target.number
    assert source.number in merged.json()["linked_tickets"]


def test_api_logout_ends_session(client: TestClient, agent: Agent) -> None:
    headers = api_login(client, agent)
    assert client.post("/api/agent/logout", headers=headers).status_code == 204
    assert client.get("/api/agent/me").status_code == 401


def test_api_documented_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/agent/tickets" in paths and "/api/agent/tickets/{ticket_id}/replies" in paths
    assert not any(p.startswith("/console") for p in paths)


def test_api_ticket_errors_answer_in_french_with_their_status(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = service.create_ticket(
        db, email=unique_email(), category="autre", description="Une question sur mon dossier."
    )
    headers = api_login(client, agent)
    base = f"/api/agent/tickets/{ticket.id}"
    missing = client.get("/api/agent/tickets/999999999")
    assert missing.status_code == 404 and missing.json() == {"detail": "Ce ticket n'existe pas."}
    merge_missing = client.post(f"{base}/merge", json={"target_id": 999999999}, headers=headers)
    assert merge_missing.status_code == 404
    same = client.post(f"{base}/priority", json={"priority": ticket.priority}, headers=headers)
    assert same.status_code == 422 and "déjà la priorité" in same.json()["detail"]
    nobody = client.post(f"{base}/assign", json={"assignee_id": 999999999}, headers=headers)
    assert nobody.status_code == 422
    assert nobody.json()["detail"] == "Cet agent n'existe pas ou n'est plus actif."
    itself = client.post(f"{base}/merge", json={"target_id": ticket.id}, headers=headers)
    assert itself.status_code == 422 and "lui-même" in itself.json()["detail"]
    closed = client.post(f"{base}/status", json={"status": "clos"}, headers=headers)
    assert closed.status_code == 200
    reopen = client.post(f"{base}/replies", json={"text": "Encore une réponse."}, headers=headers)
    assert reopen.status_code == 409 and "clos" in reopen.json()["detail"]

"""Escalation through the real servers: a question the assistant cannot settle, the support
form offered and filled in the chat, the ticket number, an agent's reply, and the user
seeing that reply in the chat (next answer and history)."""

from __future__ import annotations

import re
import uuid

import httpx

from storage.db import get_sessionmaker
from support_tickets.models import Ticket
from support_tickets.taxonomy import CATEGORY_LABELS
from tests.e2e.conftest import Stack

NUMBER = re.compile(r"SUP-\d{4}-\d{6}")
QUESTION = "Puis-je joindre une vidéo de démonstration à ma facture déposée sur le portail ?"
DEMO_AGENT = {"email": "agent@support.chorus-portal-pro.example", "password": "agent-demo-2026"}
AGENT_REPLY = "Bonjour, le greffe va vous adresser un titre de perception : attendez-le."


def _send(stack: Stack, session_id: str, message: str) -> list[dict]:
    response = stack.chat(session_id, message)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def _payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def _click(stack: Stack, session_id: str, messages: list[dict], title: str) -> list[dict]:
    """Press a button the way the widget does: send its payload."""
    payload = next(b["payload"] for m in messages for b in m["buttons"] if b["title"] == title)
    return _send(stack, session_id, payload)


def _text(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def test_escalation_question_to_ticket_to_agent_reply(stack: Stack) -> None:
    session_id = f"e2e-escalation-{uuid.uuid4().hex[:8]}"
    email = f"usager.{uuid.uuid4().hex[:6]}@exemple.fr"

    # 1. A question the assistant cannot settle: it abstains and offers the form, or it
    # answers and the user says that does not help, which offers the form.
    messages = _send(stack, session_id, QUESTION)
    if "/open_ticket" not in _payloads(messages):
        messages = _send(stack, session_id, "non")
    assert "/open_ticket" in _payloads(messages), _text(messages)

    # 2. The support form, step by step.
    messages = _click(stack, session_id, messages, "Oui, ouvrir une demande")
    assert "adresse électronique" in _text(messages), _text(messages)
    messages = _send(stack, session_id, email)
    messages = _click(stack, session_id, messages, CATEGORY_LABELS["memoires"])
    # The unanswered question is proposed as the description (nothing to repeat).
    proposal = _text(messages)
    assert "Voici votre demande telle que je l'ai comprise" in proposal, proposal
    assert f"«\u00a0{QUESTION}\u00a0»" in proposal, proposal
    messages = _click(stack, session_id, messages, "Oui, c'est bien ça")
    assert "référence" in _text(messages), _text(messages)
    messages = _click(stack, session_id, messages, "Aucune")
    summary = _text(messages)
    assert "récapitulatif" in summary and email in summary, summary
    assert CATEGORY_LABELS["memoires"] in summary
    # « Modifier » → choose the field → a new category → the summary again
    messages = _click(stack, session_id, messages, "Modifier")
    messages = _click(stack, session_id, messages, "Modifier la catégorie")
    messages = _click(stack, session_id, messages, CATEGORY_LABELS["factures"])
    summary = _text(messages)
    assert "récapitulatif" in summary and CATEGORY_LABELS["factures"] in summary, summary
    messages = _click(stack, session_id, messages, "Envoyer")
    confirmation = _text(messages)
    assert "Votre demande a bien été transmise à nos équipes sous le numéro" in confirmation
    # The SLA's first-response time, in French business hours.
    assert "Nos équipes vous répondent sous " in confirmation and "ouvrée" in confirmation
    number = NUMBER.search(confirmation).group(0)  # type: ignore[union-attr]

    # 3. The ticket carries the conversation (as stored).
    with get_sessionmaker()() as session:
        ticket = session.query(Ticket).filter_by(number=number).one()
        assert ticket.email == email and ticket.category == "factures"
        assert ticket.chat_session_id == session_id and ticket.channel == "chat"
        assert any(m.body == QUESTION for m in ticket.messages if m.in_transcript)

    # 4. An agent logs in through the real API, sees the ticket at the top of the queue
    #    with the transcript, and replies.
    with httpx.Client(base_url=stack.url, timeout=30) as agent:
        login = agent.post("/api/agent/login", json=DEMO_AGENT)
        assert login.status_code == 200, login.text
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        queue = agent.get("/api/agent/tickets").json()
        assert queue["tickets"][0]["number"] == number
        ticket_id = queue["tickets"][0]["id"]
        detail = agent.get(f"/api/agent/tickets/{ticket_id}").json()
        transcript = [m for m in detail["messages"] if m["in_transcript"]]
        assert {"user", "bot"} <= {m["author_type"] for m in transcript}
        assert any(m["body"] == QUESTION for m in transcript)
        reply = agent.post(
            f"/api/agent/tickets/{ticket_id}/replies", json={"text": AGENT_REPLY}, headers=csrf
        )
        assert reply.status_code == 200, reply.text

    # 5. « Où en est mon ticket ? » in the same conversation knows the number.
    messages = _send(stack, session_id, "où en est mon ticket ?")
    assert messages[0].get("author") == "agent" and messages[0]["text"].endswith(AGENT_REPLY)
    assert number in _text(messages[1:]), _text(messages)

    # 6. The reply stays in the history, once.
    history = stack_history(stack, session_id)
    assert sum(m["text"].endswith(AGENT_REPLY) for m in history) == 1


def stack_history(stack: Stack, session_id: str) -> list[dict]:
    response = stack.history(session_id)
    assert response.status_code == 200
    return [m for turn in response.json()["turns"] for m in turn["messages"]]


def test_escalation_cancel_leaves_the_form(stack: Stack) -> None:
    session_id = f"e2e-cancel-{uuid.uuid4().hex[:8]}"
    messages = _send(stack, session_id, "je veux parler à un conseiller")
    assert "/open_ticket" in _payloads(messages), _text(messages)
    messages = _click(stack, session_id, messages, "Oui, ouvrir une demande")
    messages = _send(stack, session_id, "annuler")
    assert "aucune demande n'a été envoyée" in _text(messages), _text(messages)
    # out of the form: the next question goes to the knowledge base again
    messages = _send(stack, session_id, "Est-ce que le portail est payant ?")
    shown = (_text(messages) + " ".join(b["title"] for m in messages for b in m["buttons"])).lower()
    assert "adresse électronique" not in shown, shown
    assert "gratuit" in shown or "payant" in shown, shown

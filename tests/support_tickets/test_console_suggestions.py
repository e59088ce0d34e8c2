"""A ticket page: knowledge-base suggestions with title, answer and « Insérer » (the answer and
its documentation link), the reply pre-filled without JavaScript, the history saying what was
actually sent, and a compact transcript (buttons by their labels, technical details behind a
toggle, paragraphs instead of preserved template whitespace)."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.console_suggestions import kb_units
from support_tickets.models import Agent, Ticket
from tests.support_tickets.conftest import unique_email
from tests.support_tickets.test_console import console_login


def _documented_entry() -> tuple[str, str, str, str]:
    """(id, title, answer, url) of a real knowledge-base entry with a documentation link."""
    unit = next(u for u in kb_units().values() if u.url and u.answer and u.kind == "faq")
    return unit.id, unit.title, unit.answer, unit.url


def _chat_ticket(db: Session, entry_id: str) -> Ticket:
    return service.create_ticket(
        db,
        email=unique_email(),
        category="factures",
        description="Ma facture est rejetée.\n\n\nQue dois-je faire ?",
        identity={"sub": "user-suggest-1", "name": "Léa Martin"},
        chat_session_id=f"chat-{unique_email('s')}",
        transcript=[
            {
                "role": "user",
                "text": "facture rejetée",
                "intent": "ask_question",
                "confidence": 0.91,
            },
            {
                "role": "bot",
                "text": "Vouliez-vous dire…\n\n\nChoisissez une proposition.",
                "kb": {"decision": "clarify", "candidates": [entry_id], "best_score": 0.42},
            },
            {"role": "user", "text": f'/ask_question{{"kb_entry_id":"{entry_id}"}}'},
            {"role": "bot", "text": "Voulez-vous ouvrir une demande ?"},
            {"role": "user", "text": "/open_ticket"},
        ],
        kb_candidates=[{"id": entry_id, "kind": "faq", "fused": 0.42, "decision": "clarify"}],
    )


def test_console_suggestion_shows_title_answer_and_insert(
    client: TestClient, db: Session, agent: Agent
) -> None:
    entry_id, title, answer, url = _documented_entry()
    ticket = _chat_ticket(db, entry_id)
    console_login(client, agent)
    page = client.get(f"/console/tickets/{ticket.id}").text
    plain = html.unescape(page)
    assert title in plain and answer in plain
    insert = re.search(r'data-console-insert="([^"]*)"', page)
    assert insert is not None
    inserted = html.unescape(insert.group(1))
    assert inserted == f"{answer}\n\nPour en savoir plus : http://testserver{url}"
    # without JavaScript the link pre-fills the reply with the same text
    prefilled = client.get(f"/console/tickets/{ticket.id}?suggestion={entry_id}").text
    area = re.search(r'<textarea[^>]*id="reply-text"[^>]*>(.*?)</textarea>', prefilled, re.S)
    assert area is not None and html.unescape(area.group(1)) == inserted
    assert "insertInto" in client.get("/console/static/console.js").text


def test_console_transcript_shows_button_labels_and_hides_details(
    client: TestClient, db: Session, agent: Agent
) -> None:
    entry_id, title, _, _ = _documented_entry()
    ticket = _chat_ticket(db, entry_id)
    console_login(client, agent)
    page = client.get(f"/console/tickets/{ticket.id}").text
    plain = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert f"A cliqué sur le bouton « {title} »" in plain
    assert "A cliqué sur le bouton « Oui, ouvrir une demande »" in plain
    conversation = page[page.index("Conversation avec l") : page.index("Échanges</h2>")]
    outside_details = re.sub(r"<details.*?</details>", "", conversation, flags=re.S)
    assert "/open_ticket" not in outside_details and "kb_entry_id" not in outside_details
    assert "ask_question" not in outside_details and "0.91" not in outside_details
    details = "".join(re.findall(r"<details.*?</details>", conversation, flags=re.S))
    assert "ask_question (0.91)" in details and "/open_ticket" in details
    assert "pre-wrap" not in client.get("/console/static/console.css").text
    assert "<p>Ma facture est rejetée.</p><p>Que dois-je faire ?</p>" in page
    assert "<p>Vouliez-vous dire…</p><p>Choisissez une proposition.</p>" in page


def _reply(client: TestClient, ticket: Ticket, csrf: str, text: str) -> None:
    response = client.post(
        f"/console/tickets/{ticket.id}/reponse",
        data={"text": text, "canned_key": "accuse_reception", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_console_history_records_what_was_sent(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = service.create_ticket(
        db,
        email=unique_email(),
        category="compte",
        description="Je ne reçois pas le courriel de confirmation.",
        identity={"sub": "user-history-1", "name": "Paul Durand"},
    )
    csrf = console_login(client, agent)
    draft = client.get(f"/console/tickets/{ticket.id}?modele=accuse_reception").text
    area = re.search(r'<textarea[^>]*id="reply-text"[^>]*>(.*?)</textarea>', draft, re.S)
    assert area is not None
    template_text = html.unescape(area.group(1))
    _reply(client, ticket, csrf, template_text)
    _reply(client, ticket, csrf, template_text.replace("dès que possible", "demain matin"))
    _reply(client, ticket, csrf, "Votre adresse est corrigée : vous pouvez vous connecter.")
    history = html.unescape(client.get(f"/console/tickets/{ticket.id}").text)
    history = history[history.index("Historique</h2>") :]
    lines = re.findall(r"Réponse à l'usager[^<]*", history)
    assert lines[0] == (
        "Réponse à l'usager : « Votre adresse est corrigée : vous pouvez vous connecter. »"
    )
    assert lines[1].endswith("(réponse type « Prise en charge de la demande » modifiée)")
    assert "demain matin" in lines[1]
    assert lines[2].endswith("(réponse type « Prise en charge de la demande »)")
    assert lines[2].startswith("Réponse à l'usager : « Bonjour Paul, Je prends en charge")

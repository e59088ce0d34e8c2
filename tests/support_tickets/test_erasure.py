"""A conversation erased at its user's request, as the support desk sees it: every copy of its
transcript (its own tickets, the tickets they were merged into) becomes one marker, the rest
of the tickets stays; on SQLite and PostgreSQL, then on the console's ticket page."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.chat.erasure import erase_conversation
from portal.conversations.erasure import ChatErasure
from portal.conversations.keys import KeyCheck, check_key, open_conversation
from portal.conversations.models import ChatTurn
from portal.conversations.repository import record_turn
from storage.db import get_sessionmaker
from support_tickets.agent_actions import merge_tickets
from support_tickets.auth import create_agent
from support_tickets.erasure import erased_text
from support_tickets.from_chat import create_ticket_from_chat
from support_tickets.models import Agent, Ticket, TicketMessage
from support_tickets.schemas import TicketCreate
from tests.support_tickets.conftest import unique_email
from tests.support_tickets.test_console import console_login
from tests.support_tickets.test_retention import engine, session

__all__ = ["engine", "session"]

NOW = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)
MARKER = "Conversation effacée à la demande de l'usager le 1er juin 2030 à 14 h 00."
QUESTION = "Mon mémoire MJ-2030-000777 est bloqué depuis trois semaines"
ANSWER = "Un mémoire se traite en 30 jours."


def _conversation(session: Session, question: str = QUESTION) -> tuple[str, str]:
    """A conversation with its key and one turn that considered a knowledge-base entry."""
    session_id = f"chat-erase-{uuid.uuid4().hex[:12]}"
    key = open_conversation(session, session_id)
    assert key is not None
    record_turn(
        session,
        session_id=session_id,
        user_text=question,
        replies=[{"text": ANSWER}],
        outcome="answered",
        latency_ms=1.0,
        kb=[{"decision": "answer", "hits": [{"id": "memoires-delai-paiement", "score": 0.8}]}],
    )
    return session_id, key


def _ticket(session: Session, session_id: str, description: str) -> Ticket:
    request = TicketCreate.validated(
        email=unique_email(),
        category="memoires",
        description=description,
        chat_session_id=session_id,
    )
    return create_ticket_from_chat(session, request)


def _agent(session: Session) -> Agent:
    return create_agent(
        session,
        email=unique_email("agent"),
        name="Agent Effacement",
        role="agent",
        password="mot-de-passe-agent-01",
    )


def _transcript(session: Session, ticket_id: int) -> list[TicketMessage]:
    session.expire_all()
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    return [m for m in ticket.messages if m.in_transcript]


def test_erasure_replaces_every_transcript_copy_by_the_marker(session: Session) -> None:
    erased, _ = _conversation(session)
    other, _ = _conversation(session, "Comment créer un compte sans SIRET ?")
    own = _ticket(session, erased, "Mon mémoire est bloqué, que faire ?")
    second = _ticket(session, erased, "Je relance au sujet de mon mémoire bloqué.")
    target = _ticket(session, other, "Comment ouvrir mon compte d'entreprise ?")
    merge_tickets(session, source=second, target=target, agent=_agent(session))
    assert any(QUESTION in m.body for m in _transcript(session, target.id))

    result = erase_conversation(session, erased, now=NOW)

    assert result.tickets == sorted([own.number, second.number, target.number])
    for ticket in (own, second):
        transcript = _transcript(session, ticket.id)
        assert [(m.body, m.origin_number) for m in transcript] == [(MARKER, None)]
        assert transcript[0].meta == {"erased_at": NOW.isoformat()}
    kept = _transcript(session, target.id)
    assert (MARKER, second.number) in [(m.body, m.origin_number) for m in kept]
    assert not any(QUESTION in m.body for m in kept)
    assert "Comment créer un compte sans SIRET ?" in [m.body for m in kept]  # its own: kept
    session.expire_all()
    refreshed = session.get(Ticket, own.id)
    assert refreshed is not None and refreshed.description == "Mon mémoire est bloqué, que faire ?"
    assert refreshed.kb_candidates and all("question" not in c for c in refreshed.kb_candidates)
    assert refreshed.kb_candidates[0]["id"] == "memoires-delai-paiement"


def test_erasure_deletes_the_turns_voids_the_key_and_records_no_content(
    session: Session,
) -> None:
    erased, key = _conversation(session)
    other, other_key = _conversation(session)
    erase_conversation(session, erased, now=NOW)
    turns = select(func.count()).select_from(ChatTurn).where(ChatTurn.session_id == erased)
    assert session.scalar(turns) == 0
    kept = select(func.count()).select_from(ChatTurn).where(ChatTurn.session_id == other)
    assert session.scalar(kept) == 1
    assert check_key(session, erased, key) is KeyCheck.REFUSED
    assert check_key(session, other, other_key) is KeyCheck.VALID
    digest = hashlib.sha256(erased.encode()).hexdigest()
    record = session.scalars(select(ChatErasure).where(ChatErasure.session_hash == digest)).one()
    assert (record.turns, record.tickets) == (1, 0)
    assert record.erased_at.replace(tzinfo=dt.UTC) == NOW


def test_erasure_marker_is_said_in_paris_time() -> None:
    winter = dt.datetime(2030, 1, 1, 23, 30, tzinfo=dt.UTC)
    assert erased_text(winter) == (
        "Conversation effacée à la demande de l'usager le 2 janvier 2030 à 0 h 30."
    )


def test_erasure_console_shows_the_marker_not_the_content(client: TestClient, agent: Agent) -> None:
    with get_sessionmaker()() as db:
        session_id, key = _conversation(db)
        ticket = _ticket(db, session_id, "Mon mémoire est bloqué, que faire ?")
    console_login(client, agent)
    before = html.unescape(client.get(f"/console/tickets/{ticket.id}").text)
    assert QUESTION in before and ANSWER in before

    response = client.request(
        "DELETE", f"/api/chat/{session_id}", headers={"X-Conversation-Key": key}
    )
    assert response.status_code == 200, response.text

    page = html.unescape(client.get(f"/console/tickets/{ticket.id}").text)
    assert "Effacement de la conversation" in page
    assert "Conversation effacée à la demande de l'usager le " in page
    assert QUESTION not in page and ANSWER not in page
    assert "Mon mémoire est bloqué, que faire ?" in page  # the request itself stays

"""While a ticket waits for the user, what they write in the chat goes to that ticket (issue
13): as a message of the requester, with its event, not to Rasa; « Revenir à l'assistant »
sends the next messages to the assistant again, and the choice is kept by the server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from portal.accounts.repository import get_by_email
from support_tickets import service
from support_tickets.models import Agent, Ticket
from support_tickets.taxonomy import STATUS_IN_PROGRESS, STATUS_RESOLVED, STATUS_WAITING_USER
from tests.assistant.conftest import FakeBackends
from tests.assistant.live_fixtures import (
    REPLY,
    agent,
    db,
    key_of,
    lexical_similarity,
    new_session_id,
    open_ticket,
    say,
)
from tests.assistant.portal_fixtures import SIRET_ACCOUNT, demo_data, known_secrets, token_for

__all__ = ["agent", "db", "demo_data", "known_secrets", "lexical_similarity"]
pytestmark = pytest.mark.usefixtures("lexical_similarity")
ANSWER = "Notre SIRET est le 130 025 265 00013."


def _waiting_ticket(
    client: TestClient, db: Session, agent: Agent, identity: dict[str, str] | None = None
) -> tuple[str, Ticket]:
    """A conversation whose ticket waits for the user (the agent asked a question)."""
    session_id = new_session_id()
    say(client, session_id)
    ticket = open_ticket(db, session_id, identity)
    service.reply_to_ticket(db, ticket, agent=agent, text=REPLY, status=STATUS_WAITING_USER)
    return session_id, ticket


def _user_messages(db: Session, ticket: Ticket) -> list[str]:
    db.expire_all()
    return [m.body for m in ticket.messages if m.author_type == "user" and not m.in_transcript]


def _leave(client: TestClient, session_id: str) -> None:
    response = client.post(f"/api/chat/{session_id}/support/leave", headers=key_of(session_id))
    assert response.status_code == 200
    assert response.json() == {"active": False, "ticket": None}


def test_support_exchange_message_goes_to_waiting_ticket(
    client: TestClient, backends: FakeBackends, db: Session, agent: Agent
) -> None:
    session_id, ticket = _waiting_ticket(client, db, agent)
    sent_before = len(backends.sent)

    answer = say(client, session_id, ANSWER)

    assert len(backends.sent) == sent_before  # Rasa never saw it
    assert _user_messages(db, ticket) == [ANSWER]
    assert ticket.status == STATUS_IN_PROGRESS
    assert ticket.events[-2].kind == "message_usager"
    texts = [m["text"] for m in answer["messages"]]
    assert any(ticket.number in t and "transmis à l'équipe support" in t for t in texts)


def test_support_exchange_lasts_while_user_and_agent_answer(
    client: TestClient, backends: FakeBackends, db: Session, agent: Agent
) -> None:
    session_id, ticket = _waiting_ticket(client, db, agent)
    say(client, session_id, ANSWER)
    say(client, session_id, "Et le code postal est 75012.")
    assert _user_messages(db, ticket) == [ANSWER, "Et le code postal est 75012."]
    assert service.tickets_with_new_user_message(db, [ticket.id]) == {ticket.id}

    service.reply_to_ticket(db, ticket, agent=agent, text="Merci, c'est noté.")
    assert service.tickets_with_new_user_message(db, [ticket.id]) == set()
    say(client, session_id, "Merci à vous.")
    assert len(_user_messages(db, ticket)) == 3


def test_support_exchange_leave_sends_next_messages_to_assistant(
    client: TestClient, backends: FakeBackends, db: Session, agent: Agent
) -> None:
    session_id, ticket = _waiting_ticket(client, db, agent)
    _leave(client, session_id)
    sent_before = len(backends.sent)

    for text in ("Comment déposer un mémoire ?", "Et pour la TICGN ?"):  # held server-side
        say(client, session_id, text)
    assert len(backends.sent) == sent_before + 2
    assert _user_messages(db, ticket) == []
    assert ticket.events[-1].kind == "retour_assistant"

    service.reply_to_ticket(db, ticket, agent=agent, text="Avez-vous retrouvé votre SIRET ?")
    say(client, session_id, ANSWER)  # a new question of the agent: back to the ticket
    assert _user_messages(db, ticket) == [ANSWER]


def test_support_exchange_leave_refused_without_key(
    client: TestClient, db: Session, agent: Agent
) -> None:
    session_id, ticket = _waiting_ticket(client, db, agent)
    assert client.post(f"/api/chat/{session_id}/support/leave").status_code == 403
    db.expire_all()
    assert all(e.kind != "retour_assistant" for e in ticket.events)


def test_support_exchange_button_payload_goes_to_assistant(
    client: TestClient, backends: FakeBackends, db: Session, agent: Agent
) -> None:
    session_id, ticket = _waiting_ticket(client, db, agent)
    say(client, session_id, '/feedback{"feedback_value":"positive"}')
    assert backends.sent[-1]["message"].startswith("/feedback")
    assert _user_messages(db, ticket) == []


def test_support_exchange_ticket_in_progress_or_resolved_not_routed(
    client: TestClient, backends: FakeBackends, db: Session, agent: Agent
) -> None:
    session_id = new_session_id()
    say(client, session_id)
    ticket = open_ticket(db, session_id)
    service.reply_to_ticket(db, ticket, agent=agent, text="Nous regardons.")  # « en cours »
    say(client, session_id, "Comment déposer un mémoire ?")
    assert _user_messages(db, ticket) == []

    service.change_status(db, ticket, agent=agent, status=STATUS_WAITING_USER)
    service.change_status(db, ticket, agent=agent, status=STATUS_RESOLVED)
    sent_before = len(backends.sent)
    say(client, session_id, "Merci beaucoup.")
    assert len(backends.sent) == sent_before + 1
    assert _user_messages(db, ticket) == []


@pytest.mark.usefixtures("known_secrets", "demo_data")
def test_support_exchange_ticket_of_a_user_not_reached_anonymously(
    client: TestClient, db: Session, agent: Agent
) -> None:
    token = token_for(SIRET_ACCOUNT.email)
    session_id = new_session_id()
    say(client, session_id, "bonjour", identity_token=token)
    user = get_by_email(db, SIRET_ACCOUNT.email)
    assert user is not None
    ticket = open_ticket(db, session_id, {"sub": user.public_id, "email": user.email})
    service.reply_to_ticket(db, ticket, agent=agent, text=REPLY, status=STATUS_WAITING_USER)

    say(client, session_id, "Message sans connexion.")  # anonymous: to the assistant
    assert _user_messages(db, ticket) == []
    say(client, session_id, ANSWER, identity_token=token)  # its owner: to the ticket
    assert _user_messages(db, ticket) == [ANSWER]

"""A new ticket validated once (``TicketCreate``) and created with its chat session's
conversation (``create_ticket_from_chat``), as the chat's form and the web form do."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from portal.conversations.repository import record_turn
from support_tickets.errors import TicketValidationError
from support_tickets.from_chat import create_ticket_from_chat
from support_tickets.schemas import TicketCreate, field_errors
from tests.support_tickets.conftest import unique_email

DESCRIPTION = "Mon mémoire de frais de justice est bloqué au statut « déposé »."


def test_ticket_create_cleans_the_fields() -> None:
    request = TicketCreate(
        email=" Marie.Curie@Exemple.FR ",
        category="memoires",
        description=f"  {DESCRIPTION}  ",
        reference=" mj-2026-000123 ",
        identity={"sub": 42, "name": "Marie Curie"},
        chat_session_id="",
        page="/m" * 150,
        channel="courrier",
    )
    assert request.email == "marie.curie@exemple.fr" and request.description == DESCRIPTION
    assert request.reference == "MJ-2026-000123" and request.chat_session_id is None
    assert request.page is not None and len(request.page) == 200
    assert request.channel == "chat"
    assert (request.identity_sub, request.requester_name) == ("42", "Marie Curie")
    empty = TicketCreate(email="a@b.fr", category="autre", description=DESCRIPTION, reference="")
    assert empty.reference is None and empty.identity is None and empty.identity_sub is None


def test_field_errors_are_french_by_field_in_order() -> None:
    with pytest.raises(ValidationError) as caught:
        TicketCreate(email="pas-une-adresse", category="", description="court", reference="R" * 65)
    errors = field_errors(caught.value)
    assert list(errors) == ["email", "category", "description", "reference"]
    assert errors["email"].startswith("L'adresse e-mail est invalide")
    assert errors["category"] == "Choisissez une catégorie dans la liste proposée."
    assert "au moins 10 caractères" in errors["description"]


def test_validated_raises_the_first_invalid_field() -> None:
    with pytest.raises(TicketValidationError) as caught:
        TicketCreate.validated(email="a@b.fr", category="divers", description="court")
    assert caught.value.field == "category"
    assert caught.value.message == "Choisissez une catégorie dans la liste proposée."
    with pytest.raises(TicketValidationError) as unknown:
        TicketCreate.validated(email="a@b.fr", category="autre", description=DESCRIPTION, x=1)
    assert unknown.value.field == "x" and "« x »" in unknown.value.message


def test_create_ticket_from_chat_attaches_the_conversation(db: Session) -> None:
    session_id = f"chat-{uuid.uuid4().hex[:12]}"
    record_turn(
        db,
        session_id=session_id,
        user_text="mon mémoire est bloqué",
        replies=[{"text": "Je n'ai pas trouvé de réponse sûre.", "buttons": [], "links": []}],
        outcome="answered",
        latency_ms=4.0,
        kb=[{"decision": "abstain", "hits": [{"id": "faq-memoire", "score": 0.2}]}],
        page="/memoires/suivi",
    )
    request = TicketCreate.validated(
        email=unique_email(),
        category="memoires",
        description=DESCRIPTION,
        chat_session_id=session_id,
        intent="ask_question",
        intent_confidence=0.42,
    )
    ticket = create_ticket_from_chat(db, request)
    assert ticket.number.startswith("SUP-") and ticket.channel == "chat"
    assert ticket.page == "/memoires/suivi"  # the latest turn's page: the request named none
    assert ticket.kb_candidates is not None and ticket.kb_candidates[0]["id"] == "faq-memoire"
    assert (ticket.intent, ticket.intent_confidence) == ("ask_question", 0.42)
    assert [m.author_type for m in ticket.messages if m.in_transcript] == ["user", "bot"]


def test_create_ticket_from_chat_without_session_has_no_transcript(db: Session) -> None:
    request = TicketCreate(
        email=unique_email(),
        category="factures",
        description=DESCRIPTION,
        page="/factures",
        channel="web",
    )
    ticket = create_ticket_from_chat(db, request)
    assert ticket.page == "/factures" and ticket.channel == "web"
    assert ticket.chat_session_id is None and ticket.kb_candidates is None
    assert not [m for m in ticket.messages if m.in_transcript]

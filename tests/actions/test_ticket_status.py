"""« Où en est mon ticket ? »: identified users see their own tickets, anonymous users give
the number and the e-mail, and nothing leaks."""

from __future__ import annotations

import uuid

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import ticket_status
from actions.support_context import (
    LAST_EMAIL_SLOT,
    LAST_TICKET_SLOT,
    TICKET_EMAIL_SLOT,
    TICKET_NUMBER_SLOT,
)
from support_tickets import service
from support_tickets.models import Ticket
from tests.actions.support_helpers import (
    identity_metadata,
    make_tracker,
    new_email,
)

pytestmark = pytest.mark.usefixtures("support_database", "lexical_similarity")


# --- « où en est mon ticket ? » ----------------------------------------------------------


def _ticket(db: Session, email: str, sub: str | None = None) -> Ticket:
    identity = {"sub": sub, "email": email, "name": "Camille Martin"} if sub else None
    return service.create_ticket(
        db,
        email=email,
        category="compte",
        description=f"Je ne peux plus me connecter à mon compte ({uuid.uuid4().hex}).",
        identity=identity,
    )


async def _status(tracker: Tracker) -> str:
    dispatcher = CollectingDispatcher()
    events = await ticket_status.ActionTicketStatus().run(dispatcher, tracker, {})
    assert SlotSet(TICKET_NUMBER_SLOT, None) in events
    return dispatcher.messages[0]["text"]


async def test_action_ticket_status_identified_lists_own_tickets(db: Session) -> None:
    sub, email = f"user-{uuid.uuid4().hex[:6]}", new_email()
    mine = _ticket(db, email, sub)
    other = _ticket(db, new_email(), f"user-{uuid.uuid4().hex[:6]}")
    text = await _status(make_tracker(metadata=identity_metadata(sub, email)))
    assert mine.number in text and "« Nouveau »" in text
    assert other.number not in text


async def test_action_ticket_status_identified_other_users_number_not_shown(db: Session) -> None:
    sub, email = f"user-{uuid.uuid4().hex[:6]}", new_email()
    other = _ticket(db, new_email(), f"user-{uuid.uuid4().hex[:6]}")
    tracker = make_tracker(
        metadata=identity_metadata(sub, email), slots={TICKET_NUMBER_SLOT: other.number}
    )
    assert await _status(tracker) == ticket_status.STATUS_NOT_YOURS_TEXT


async def test_action_ticket_status_identified_without_tickets(db: Session) -> None:
    tracker = make_tracker(metadata=identity_metadata(f"user-{uuid.uuid4().hex[:6]}", new_email()))
    assert await _status(tracker) == ticket_status.STATUS_NONE_TEXT


async def test_action_ticket_status_anonymous_with_number_and_email(db: Session) -> None:
    email = new_email()
    ticket = _ticket(db, email)
    slots = {TICKET_NUMBER_SLOT: ticket.number, TICKET_EMAIL_SLOT: email.upper()}
    text = await _status(make_tracker(slots=slots))
    assert text.startswith(f"Votre demande {ticket.number} (Compte et accès), ouverte le ")


async def test_action_ticket_status_anonymous_wrong_email_no_leak(db: Session) -> None:
    ticket = _ticket(db, new_email())
    wrong_email = {TICKET_NUMBER_SLOT: ticket.number, TICKET_EMAIL_SLOT: new_email()}
    missing = {TICKET_NUMBER_SLOT: "SUP-1999-999999", TICKET_EMAIL_SLOT: new_email()}
    assert await _status(make_tracker(slots=wrong_email)) == ticket_status.STATUS_NOT_FOUND_TEXT
    assert await _status(make_tracker(slots=missing)) == ticket_status.STATUS_NOT_FOUND_TEXT


async def test_action_ticket_status_anonymous_ticket_of_this_conversation(db: Session) -> None:
    email = new_email()
    ticket = _ticket(db, email)
    slots = {LAST_TICKET_SLOT: ticket.number, LAST_EMAIL_SLOT: email}
    assert ticket.number in await _status(make_tracker(slots=slots))


async def test_validate_ticket_status_form_required_slots() -> None:
    form = ticket_status.ValidateTicketStatusForm()
    dispatcher = CollectingDispatcher()
    identified = make_tracker(metadata=identity_metadata("user-9", "a@exemple.fr"))
    assert await form.required_slots([], dispatcher, identified, {}) == []
    anonymous = await form.required_slots([], dispatcher, make_tracker(), {})
    assert anonymous == [TICKET_NUMBER_SLOT, TICKET_EMAIL_SLOT]
    earlier = make_tracker(slots={LAST_TICKET_SLOT: "SUP-2026-000001"})
    assert await form.required_slots([], dispatcher, earlier, {}) == []


def test_validate_ticket_number_normalises() -> None:
    dispatcher = CollectingDispatcher()
    form = ticket_status.ValidateTicketStatusForm()
    assert form.validate_ticket_number("c'est le sup 2026 42", dispatcher, make_tracker(), {}) == {
        TICKET_NUMBER_SLOT: "SUP-2026-000042"
    }
    assert form.validate_ticket_number("je ne sais plus", dispatcher, make_tracker(), {}) == {
        TICKET_NUMBER_SLOT: None
    }
    assert dispatcher.messages[0]["text"] == ticket_status.INVALID_TICKET_NUMBER_TEXT

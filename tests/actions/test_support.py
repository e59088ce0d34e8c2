"""The chat side of support: ticket creation with the conversation's context, offers,
acceptance and cancellation."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import support
from actions.support_context import (
    CATEGORY_SLOT,
    CONFIRM_SEND,
    CONFIRMATION_SLOT,
    DESCRIPTION_SLOT,
    EMAIL_SLOT,
    LAST_TICKET_SLOT,
    REFERENCE_SLOT,
    escalation_intent,
)
from actions.support_offer import OPEN_TICKET_PAYLOAD, is_offer, offer_buttons
from portal.conversations import repository
from support_tickets.models import Ticket
from tests.actions.support_helpers import (
    bot_event,
    identity_metadata,
    make_tracker,
    new_email,
    new_sender,
    user_event,
)

NUMBER = re.compile(r"SUP-\d{4}-\d{6}")

pytestmark = pytest.mark.usefixtures("support_database", "lexical_similarity")


# --- submission ------------------------------------------------------------------------


def _form_slots(email: str | None = None) -> dict[str, Any]:
    return {
        EMAIL_SLOT: email,
        CATEGORY_SLOT: "tic_ticgn",
        DESCRIPTION_SLOT: "Ma demande de remboursement TICGN est refusée sans motif.",
        REFERENCE_SLOT: "TIC-2025-000042",
        CONFIRMATION_SLOT: CONFIRM_SEND,
    }


async def test_action_submit_support_ticket_carries_conversation(db: Session) -> None:
    sender, email = new_sender(), new_email()
    kb = {
        "decision": "abstain",
        "best_score": 0.12,
        "hits": [{"id": "faq-tic-01", "title": "Remboursement TIC", "score": 0.12}],
    }
    repository.record_turn(
        db,
        session_id=sender,
        user_text="pourquoi mon remboursement ticgn est refusé ?",
        replies=[{"text": "Je ne sais pas répondre à cette question.", "buttons": [], "links": []}],
        outcome="answered",
        latency_ms=10.0,
        kb=[kb],
        page="/tic",
    )
    events = [
        user_event("pourquoi mon remboursement ticgn est refusé ?", "ask_question", 1.0),
        bot_event("Je ne sais pas répondre à cette question.", 2.0, offer_buttons()),
        user_event("/open_ticket", "open_ticket", 3.0),
        {"event": "active_loop", "name": "support_form", "timestamp": 4.0},
        user_event("Envoyer", "affirm", 5.0),
    ]
    tracker = make_tracker(sender=sender, slots=_form_slots(email), events=events, intent="affirm")
    dispatcher = CollectingDispatcher()
    result = await support.ActionSubmitSupportTicket().run(dispatcher, tracker, {})

    text = dispatcher.messages[0]["text"]
    assert text.startswith("Votre demande a bien été transmise à nos équipes sous le numéro SUP-")
    number = NUMBER.search(text).group(0)  # type: ignore[union-attr]
    assert SlotSet(LAST_TICKET_SLOT, number) in result
    assert SlotSet(DESCRIPTION_SLOT, None) in result
    ticket = db.query(Ticket).filter_by(number=number).one()
    assert ticket.email == email
    assert ticket.category == "tic_ticgn"
    assert ticket.reference == "TIC-2025-000042"
    assert ticket.chat_session_id == sender
    assert ticket.channel == "chat"
    assert ticket.intent == "ask_question"
    assert ticket.intent_confidence == pytest.approx(0.42)
    assert ticket.page == "/tic"
    assert ticket.kb_candidates[0]["id"] == "faq-tic-01"
    assert ticket.kb_candidates[0]["question"].startswith("pourquoi mon remboursement")
    transcript = [(m.author_type, m.body) for m in ticket.messages if m.in_transcript]
    assert transcript == [
        ("user", "pourquoi mon remboursement ticgn est refusé ?"),
        ("bot", "Je ne sais pas répondre à cette question."),
    ]


async def test_action_submit_support_ticket_identified_uses_identity(db: Session) -> None:
    sender, sub, email = new_sender(), f"user-{uuid.uuid4().hex[:6]}", new_email()
    metadata = identity_metadata(sub, email)
    tracker = make_tracker(sender=sender, slots=_form_slots(None), metadata=metadata)
    dispatcher = CollectingDispatcher()
    await support.ActionSubmitSupportTicket().run(dispatcher, tracker, {})
    number = NUMBER.search(dispatcher.messages[0]["text"]).group(0)  # type: ignore[union-attr]
    ticket = db.query(Ticket).filter_by(number=number).one()
    assert ticket.email == email
    assert ticket.identity_sub == sub
    assert ticket.page == "/factures"
    assert ticket.reference == "TIC-2025-000042"


async def test_action_submit_support_ticket_without_confirmation_sends_nothing(db: Session) -> None:
    before = db.query(Ticket).count()
    slots = {**_form_slots(new_email()), CONFIRMATION_SLOT: None}
    dispatcher = CollectingDispatcher()
    await support.ActionSubmitSupportTicket().run(dispatcher, make_tracker(slots=slots), {})
    assert db.query(Ticket).count() == before
    assert "aucune demande n'a été envoyée" in dispatcher.messages[0]["text"]


async def test_action_submit_support_ticket_invalid_field_explained(db: Session) -> None:
    slots = {**_form_slots("pas-une-adresse")}
    dispatcher = CollectingDispatcher()
    await support.ActionSubmitSupportTicket().run(dispatcher, make_tracker(slots=slots), {})
    message = dispatcher.messages[0]
    assert message["text"].startswith("Votre demande n'a pas pu être enregistrée")
    assert message["custom"]["links"][0]["url"] == "/support"


# --- leaving, offering, accepting --------------------------------------------------------


async def test_action_cancel_support_deactivates_form_and_clears() -> None:
    dispatcher = CollectingDispatcher()
    events = await support.ActionCancelSupport().run(dispatcher, make_tracker(intent="cancel"), {})
    assert events[0] == ActiveLoop(None)
    assert SlotSet(DESCRIPTION_SLOT, None) in events
    assert "aucune demande n'a été envoyée" in dispatcher.messages[0]["text"]


async def test_action_offer_support_after_deny_to_answer_offers_form() -> None:
    events = [bot_event("Voici la réponse…", 1.0), user_event("non", "deny", 2.0)]
    dispatcher = CollectingDispatcher()
    await support.ActionOfferSupport().run(
        dispatcher, make_tracker(intent="deny", events=events), {}
    )
    message = dispatcher.messages[0]
    assert message["text"] == support.OFFER_AFTER_DENY_TEXT
    assert message["buttons"][0]["payload"] == OPEN_TICKET_PAYLOAD


async def test_action_offer_support_deny_to_offer_is_refusal() -> None:
    events = [bot_event("Je ne sais pas.", 1.0, offer_buttons()), user_event("non", "deny", 2.0)]
    dispatcher = CollectingDispatcher()
    await support.ActionOfferSupport().run(
        dispatcher, make_tracker(intent="deny", events=events), {}
    )
    assert dispatcher.messages[0]["text"] == support.DECLINED_TEXT
    assert not dispatcher.messages[0]["buttons"]


async def test_action_offer_support_after_two_failures() -> None:
    events = [user_event("la météo ?", "out_of_scope", 1.0), bot_event("Je ne peux pas.", 2.0)]
    events.append(user_event("et un gâteau ?", "out_of_scope", 3.0))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="out_of_scope", events=events)
    await support.ActionOfferSupport().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == support.OFFER_AFTER_FAILURES_TEXT
    assert is_offer({"data": {"buttons": dispatcher.messages[0]["buttons"]}})


async def test_action_accept_support_offer_opens_form_after_offer() -> None:
    events = [bot_event("Je ne sais pas.", 1.0, offer_buttons()), user_event("oui", "affirm", 2.0)]
    dispatcher = CollectingDispatcher()
    result = await support.ActionAcceptSupportOffer().run(
        dispatcher, make_tracker(intent="affirm", events=events), {}
    )
    assert result == [FollowupAction("support_form")]
    assert dispatcher.messages == []


async def test_action_accept_support_offer_plain_yes_otherwise() -> None:
    events = [bot_event("Voici la réponse.", 1.0), user_event("oui", "affirm", 2.0)]
    dispatcher = CollectingDispatcher()
    result = await support.ActionAcceptSupportOffer().run(
        dispatcher, make_tracker(intent="affirm", events=events), {}
    )
    assert result == []
    assert dispatcher.messages[0]["text"] == support.AFFIRM_TEXT


def test_escalation_intent_skips_flow_intents() -> None:
    events = [
        user_event("ma facture est rejetée", "ask_question", 1.0),
        user_event("je veux parler à quelqu'un", "ask_human", 2.0),
        {"event": "active_loop", "name": "support_form", "timestamp": 3.0},
        user_event("c'est une question de dépôt de facture", "ask_question", 4.0),
    ]
    assert escalation_intent(make_tracker(events=events)) == ("ask_question", 0.42)
    assert escalation_intent(make_tracker(events=events[1:])) == ("ask_human", 0.42)

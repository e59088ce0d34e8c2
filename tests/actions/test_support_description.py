"""Escalation that reuses what was said (issue 13): the last unanswered question proposed as
the request's description, and the first-response time stated in the confirmation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import support, support_form
from actions.support_context import (
    CATEGORY_SLOT,
    CONFIRM_SEND,
    CONFIRMATION_SLOT,
    DESCRIPTION_SLOT,
    EMAIL_SLOT,
    PROPOSAL_ANSWERED,
    PROPOSAL_SLOT,
    REFERENCE_SLOT,
    unanswered_question,
)
from actions.support_offer import offer_buttons
from support_tickets.config import SupportSettings, get_support_settings
from support_tickets.models import Ticket
from tests.actions.support_helpers import (
    bot_event,
    make_tracker,
    new_email,
    new_sender,
    user_event,
)

pytestmark = pytest.mark.usefixtures("support_database", "lexical_similarity")

NBSP = "\u00a0"
QUESTION = "Pourquoi mon remboursement TICGN est-il refusé sans motif ?"
NUMBER = re.compile(r"SUP-\d{4}-\d{6}")


def kb_bot_event(text: str, ts: float, decision: str) -> dict[str, Any]:
    event = bot_event(text, ts, offer_buttons() if decision == "abstain" else [])
    event["data"]["custom"] = {"kb": {"decision": decision}}
    return event


def form_start(ts: float) -> dict[str, Any]:
    return {"event": "active_loop", "name": "support_form", "timestamp": ts}


def feedback_event(value: str, ts: float) -> dict[str, Any]:
    event = user_event(f'/feedback{{"feedback_value":"{value}"}}', "feedback", ts)
    event["parse_data"]["entities"] = [{"entity": "feedback_value", "value": value}]
    return event


# --- the last unanswered question -------------------------------------------------------


def test_unanswered_question_after_abstain() -> None:
    events = [
        user_event(QUESTION, "ask_question", 1.0),
        kb_bot_event("Je ne sais pas répondre à cette question.", 2.0, "abstain"),
        user_event("/open_ticket", "open_ticket", 3.0),
        form_start(4.0),
    ]
    assert unanswered_question(events) == QUESTION


def test_unanswered_question_after_clarification_then_none_of_these() -> None:
    events = [
        user_event(QUESTION, "ask_question", 1.0),
        kb_bot_event("Vouliez-vous dire…", 2.0, "clarify"),
        user_event("/ask_human", "ask_human", 3.0),
        bot_event("Nos équipes peuvent vous répondre…", 4.0, offer_buttons()),
    ]
    assert unanswered_question(events) == QUESTION


def test_unanswered_question_after_negative_feedback_not_positive() -> None:
    answered = [
        user_event(QUESTION, "ask_question", 1.0),
        kb_bot_event("Voici la réponse.", 2.0, "answer"),
    ]
    assert unanswered_question([*answered, feedback_event("negative", 3.0)]) == QUESTION
    assert unanswered_question([*answered, feedback_event("positive", 3.0)]) is None
    assert unanswered_question([*answered, user_event("non", "deny", 3.0)]) == QUESTION


def test_unanswered_question_none_when_answered_or_already_sent() -> None:
    answered = [
        user_event(QUESTION, "ask_question", 1.0),
        kb_bot_event("Voici la réponse.", 2.0, "answer"),
        user_event("je veux parler à un conseiller", "ask_human", 3.0),
    ]
    assert unanswered_question(answered) is None
    earlier_request = [
        user_event(QUESTION, "ask_question", 1.0),
        kb_bot_event("Je ne sais pas.", 2.0, "abstain"),
        form_start(3.0),
        {"event": "active_loop", "name": None, "timestamp": 4.0},
        user_event("je veux parler à un conseiller", "ask_human", 5.0),
        form_start(6.0),
    ]
    assert unanswered_question(earlier_request) is None


# --- the description question -------------------------------------------------------------


async def test_action_ask_support_description_proposes_unanswered_question() -> None:
    events = [
        user_event(QUESTION, "ask_question", 1.0),
        kb_bot_event("Je ne sais pas répondre à cette question.", 2.0, "abstain"),
        form_start(3.0),
    ]
    dispatcher = CollectingDispatcher()
    result = await support_form.ActionAskSupportDescription().run(
        dispatcher, make_tracker(events=events), {}
    )
    message = dispatcher.messages[0]
    assert message["text"] == (
        f"Voici votre demande telle que je l'ai comprise{NBSP}: «{NBSP}{QUESTION}{NBSP}». "
        f"Est-ce correct{NBSP}?"
    )
    titles = {b["title"]: b["payload"] for b in message["buttons"]}
    assert titles["Oui, c'est bien ça"] == "/affirm"
    assert titles["Je corrige"] == "/deny"
    assert result == [SlotSet(PROPOSAL_SLOT, QUESTION)]


async def test_action_ask_support_description_without_question_asks_as_before() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(events=[user_event("un conseiller", "ask_human", 1.0), form_start(2.0)])
    result = await support_form.ActionAskSupportDescription().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"].startswith("Décrivez votre demande")
    assert "buttons" not in dispatcher.messages[0] or not dispatcher.messages[0]["buttons"]
    assert result == []


async def test_action_ask_support_description_after_correction_asks_as_before() -> None:
    events = [
        user_event(QUESTION, "ask_question", 1.0),
        kb_bot_event("Je ne sais pas.", 2.0, "abstain"),
        form_start(3.0),
    ]
    tracker = make_tracker(events=events, slots={PROPOSAL_SLOT: PROPOSAL_ANSWERED})
    dispatcher = CollectingDispatcher()
    await support_form.ActionAskSupportDescription().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"].startswith("Décrivez votre demande")


async def test_action_ask_support_description_too_short_question_not_proposed() -> None:
    events = [
        user_event("tic ?", "ask_question", 1.0),
        kb_bot_event("Vouliez-vous dire…", 2.0, "clarify"),
        form_start(3.0),
    ]
    dispatcher = CollectingDispatcher()
    result = await support_form.ActionAskSupportDescription().run(
        dispatcher, make_tracker(events=events), {}
    )
    assert dispatcher.messages[0]["text"].startswith("Décrivez votre demande")
    assert result == []


def _answer(text: str, intent: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent=intent, slots={PROPOSAL_SLOT: QUESTION})
    result = support_form.ValidateSupportForm().validate_support_description(
        text, dispatcher, tracker, {}
    )
    return result, dispatcher.messages


@pytest.mark.parametrize(("text", "intent"), [("/affirm", "affirm"), ("oui", "affirm")])
def test_validate_support_description_yes_keeps_the_proposal(text: str, intent: str) -> None:
    result, messages = _answer(text, intent)
    assert result == {DESCRIPTION_SLOT: QUESTION, PROPOSAL_SLOT: PROPOSAL_ANSWERED}
    assert messages == []


@pytest.mark.parametrize(
    ("text", "intent"), [("/deny", "deny"), ("Je corrige", "ask_question"), ("non", "deny")]
)
def test_validate_support_description_correct_asks_again(text: str, intent: str) -> None:
    result, messages = _answer(text, intent)
    assert result == {DESCRIPTION_SLOT: None, PROPOSAL_SLOT: PROPOSAL_ANSWERED}
    assert messages == []


def test_validate_support_description_new_text_replaces_the_proposal() -> None:
    typed = "Ma demande TICGN du 3 mars est refusée alors que le dossier est complet."
    result, _ = _answer(typed, "ask_question")
    assert result == {DESCRIPTION_SLOT: typed, PROPOSAL_SLOT: PROPOSAL_ANSWERED}


# --- the first-response time in the confirmation ------------------------------------------


def test_first_response_text_from_the_settings() -> None:
    settings = SupportSettings(
        first_response_hours={"normale": 8.0, "urgente": 1.5},
        business_day_start_hour=8,
        business_day_end_hour=17,
    )
    assert support.first_response_text("normale", settings) == (
        f"Nos équipes vous répondent sous 8{NBSP}heures ouvrées "
        f"(du lundi au vendredi, de 8{NBSP}h à 17{NBSP}h, hors jours fériés)."
    )
    assert support.first_response_text("urgente", settings).startswith(
        f"Nos équipes vous répondent sous 1,5{NBSP}heure ouvrée ("
    )
    assert support.first_response_text("inconnue", settings) == ""


async def test_action_submit_support_ticket_states_first_response_time(db: Session) -> None:
    slots = {
        EMAIL_SLOT: new_email(),
        CATEGORY_SLOT: "tic_ticgn",
        DESCRIPTION_SLOT: QUESTION,
        REFERENCE_SLOT: None,
        CONFIRMATION_SLOT: CONFIRM_SEND,
    }
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(sender=new_sender(), slots=slots, intent="affirm")
    result = await support.ActionSubmitSupportTicket().run(dispatcher, tracker, {})
    text = dispatcher.messages[0]["text"]
    number = NUMBER.search(text).group(0)  # type: ignore[union-attr]
    priority = db.query(Ticket).filter_by(number=number).one().priority
    settings = get_support_settings()
    hours = f"{settings.first_response_hours[priority]:g}".replace(".", ",")
    start, end = settings.business_day_start_hour, settings.business_day_end_hour
    assert f"sous {hours}{NBSP}heure" in text
    assert f"de {start}{NBSP}h à {end}{NBSP}h" in text
    assert SlotSet(PROPOSAL_SLOT, None) in result

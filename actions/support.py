"""Escalation to the support team from the chat: the offer of the support form, its
submission and cancellation.

- ``support_form`` is validated in :mod:`actions.support_form`; once confirmed,
  :class:`ActionSubmitSupportTicket` creates the ticket with the transcript of the web app's
  chat turns (intent, confidence, knowledge-base records), the identity and the page.
- :class:`ActionOfferSupport` / :class:`ActionAcceptSupportOffer` handle « non » / « oui »
  after an answer or an offer; :class:`ActionCancelSupport` leaves a form at any step.
- « Où en est mon ticket ? » is :mod:`actions.ticket_status`; what these actions read from
  the conversation (slots, verified identity, intents) is :mod:`actions.support_context`.

The sentences are responses of ``domain/support.yml`` (read through :mod:`actions.texts`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SUPPORT_LINK, never_raise
from actions.support_context import (
    CATEGORY_SLOT,
    CONFIRM_SEND,
    CONFIRMATION_SLOT,
    DESCRIPTION_SLOT,
    EMAIL_SLOT,
    FORM_SLOTS,
    LAST_EMAIL_SLOT,
    LAST_TICKET_SLOT,
    NO_REFERENCE,
    PROPOSAL_SLOT,
    REFERENCE_SLOT,
    REQUESTED_SLOT,
    TICKET_EMAIL_SLOT,
    TICKET_NUMBER_SLOT,
    escalation_intent,
    identity_email,
    latest_intent,
    previous_bot_event,
    request_metadata,
    verified_identity,
)
from actions.support_offer import is_offer, offer_buttons
from actions.texts import text
from storage.db import get_sessionmaker
from support_tickets.config import SupportSettings, get_support_settings
from support_tickets.errors import TicketValidationError
from support_tickets.from_chat import create_ticket_from_chat as create_ticket
from support_tickets.schemas import TicketCreate

logger = logging.getLogger(__name__)

OFFER_AFTER_DENY_TEXT = text("utter_support_offer_after_deny")
OFFER_AFTER_FAILURES_TEXT = text("utter_support_offer_after_failures")
DECLINED_TEXT = text("utter_support_declined")
AFFIRM_TEXT = text("utter_affirm")


def reset_form() -> list[dict[str, Any]]:
    slots = (*FORM_SLOTS, PROPOSAL_SLOT, REQUESTED_SLOT)
    return [SlotSet(slot, None) for slot in slots]


def first_response_text(priority: str, settings: SupportSettings | None = None) -> str:
    """« Nos équipes vous répondent sous 8 heures ouvrées (du lundi au vendredi, de 9 h à
    18 h…) »: the SLA's first-response delay of ``priority`` and the desk's opening hours,
    from the settings ('' for a priority without a delay)."""
    settings = settings or get_support_settings()
    hours = settings.first_response_hours.get(priority)
    if hours is None:
        return ""
    figure = f"{hours:g}".replace(".", ",")  # 8, 1,5
    if hours < 2:  # French singular below two: « 1,5 heure ouvrée »
        delay = text("utter_support_delay_hour", hours=figure)
    else:
        delay = text("utter_support_delay_hours", hours=figure)
    return text(
        "utter_support_first_response",
        delay=delay,
        start=settings.business_day_start_hour,
        end=settings.business_day_end_hour,
    )


def ticket_fields(tracker: Tracker) -> dict[str, Any]:
    """The ticket's fields from the completed form, the identity and the message metadata."""
    reference = tracker.get_slot(REFERENCE_SLOT)
    intent, confidence = escalation_intent(tracker)
    metadata = request_metadata(tracker)
    return {
        "email": identity_email(tracker) or str(tracker.get_slot(EMAIL_SLOT) or ""),
        "category": str(tracker.get_slot(CATEGORY_SLOT) or ""),
        "description": str(tracker.get_slot(DESCRIPTION_SLOT) or ""),
        "reference": None if reference in (None, NO_REFERENCE) else str(reference),
        "identity": verified_identity(tracker),
        "intent": intent,
        "intent_confidence": confidence,
        "page": metadata.get("page") if isinstance(metadata.get("page"), str) else None,
    }


def create_ticket_from_chat(chat_session_id: str, fields: dict[str, Any]) -> tuple[str, str]:
    """Validate the fields once and create the ticket with the conversation, through the
    support desk's one service for it (the /support web form uses it too); the ticket's
    number and priority (blocking: run in a thread). Raises :class:`TicketValidationError` (French
    message) for an invalid field."""
    request = TicketCreate.validated(**fields, chat_session_id=chat_session_id, channel="chat")
    with get_sessionmaker()() as session:
        ticket = create_ticket(session, request)
        return ticket.number, ticket.priority


class ActionSubmitSupportTicket(Action):
    """Create the ticket from the completed support form and give the user its number."""

    def name(self) -> str:
        return "action_submit_support_ticket"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(CONFIRMATION_SLOT) != CONFIRM_SEND:
            dispatcher.utter_message(text=text("utter_support_cancelled"))
            return reset_form()
        fields = ticket_fields(tracker)
        email = fields["email"]
        try:
            number, priority = await asyncio.to_thread(
                create_ticket_from_chat, tracker.sender_id, fields
            )
        except TicketValidationError as exc:
            logger.warning("support.ticket_invalid sender=%s error=%s", tracker.sender_id, exc)
            dispatcher.utter_message(
                text=text("utter_support_submit_failed", reason=exc.message),
                json_message={"links": [SUPPORT_LINK]},
            )
            return reset_form()
        logger.info("support.ticket_created sender=%s number=%s", tracker.sender_id, number)
        submitted = text("utter_support_submitted", number=number, email=email)
        delay = first_response_text(priority)
        # One line break: a blank line would split the confirmation into two bubbles.
        dispatcher.utter_message(text=f"{submitted}\n{delay}" if delay else submitted)
        return [*reset_form(), SlotSet(LAST_TICKET_SLOT, number), SlotSet(LAST_EMAIL_SLOT, email)]


class ActionCancelSupport(Action):
    """Leave the support form (or the ticket status form) at any step; nothing is sent."""

    def name(self) -> str:
        return "action_cancel_support"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=text("utter_support_cancelled"))
        return [
            ActiveLoop(None),
            *reset_form(),
            SlotSet(TICKET_NUMBER_SLOT, None),
            SlotSet(TICKET_EMAIL_SLOT, None),
        ]


class ActionOfferSupport(Action):
    """Offer the support form after « non » to an answer, or after two requests in a row
    the assistant could not handle; a « non » to an offer is taken as a polite refusal."""

    def name(self) -> str:
        return "action_offer_support"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        previous = previous_bot_event(tracker)
        intent = latest_intent(tracker)
        if intent == "deny" and previous is not None and is_offer(previous):
            dispatcher.utter_message(text=DECLINED_TEXT)
            return []
        offer = OFFER_AFTER_DENY_TEXT if intent == "deny" else OFFER_AFTER_FAILURES_TEXT
        logger.info("support.offered sender=%s after=%s", tracker.sender_id, intent)
        dispatcher.utter_message(text=offer, buttons=offer_buttons())
        return []


class ActionAcceptSupportOffer(Action):
    """« oui » typed after a message: opens the support form if that message offered it."""

    def name(self) -> str:
        return "action_accept_support_offer"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        previous = previous_bot_event(tracker)
        if previous is not None and is_offer(previous):
            return [FollowupAction("support_form")]
        dispatcher.utter_message(text=AFFIRM_TEXT)
        return []

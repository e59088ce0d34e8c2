"""« Où en est mon ticket ? »: ``ticket_status_form`` and :class:`ActionTicketStatus`.

Identified users see their own tickets; anonymous users give the number and the e-mail
used, and get the same answer whether the number exists or not. The ticket created
earlier in this conversation is answered without asking anything.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import never_raise
from actions.support_context import (
    LAST_EMAIL_SLOT,
    LAST_TICKET_SLOT,
    TICKET_EMAIL_SLOT,
    TICKET_NUMBER_SLOT,
    email_candidate,
    verified_identity,
)
from actions.texts import text
from storage.db import get_sessionmaker
from support_tickets import service
from support_tickets.errors import TicketValidationError
from support_tickets.numbering import normalise_number
from support_tickets.taxonomy import CATEGORY_LABELS

PARIS = ZoneInfo("Europe/Paris")

STATUS_NOT_FOUND_TEXT = text("utter_ticket_status_not_found")
STATUS_NOT_YOURS_TEXT = text("utter_ticket_status_not_yours")
STATUS_NONE_TEXT = text("utter_ticket_status_none")
INVALID_TICKET_NUMBER_TEXT = text("utter_ticket_number_invalid")


def _local(value: dt.datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(PARIS).strftime("%d/%m/%Y à %H h %M")


def describe_ticket(ticket: Any) -> str:
    """One French sentence on a ticket: number, category, status, dates."""
    return text(
        "utter_ticket_status_line",
        number=ticket.number,
        category=CATEGORY_LABELS.get(ticket.category, ticket.category),
        opened=_local(ticket.created_at),
        status=service.status_label(ticket),
        updated=_local(ticket.updated_at),
    )


class ValidateTicketStatusForm(FormValidationAction):
    """Ask the ticket number and the e-mail used, only to anonymous users."""

    def name(self) -> str:
        return "validate_ticket_status_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if verified_identity(tracker):
            return []
        if tracker.get_slot(LAST_TICKET_SLOT) and not tracker.get_slot(TICKET_NUMBER_SLOT):
            return []  # the ticket created earlier in this conversation
        return [TICKET_NUMBER_SLOT, TICKET_EMAIL_SLOT]

    def validate_ticket_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = normalise_number(str(value or ""))
        if number is None:
            dispatcher.utter_message(text=INVALID_TICKET_NUMBER_TEXT)
        return {TICKET_NUMBER_SLOT: number}

    def validate_ticket_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            return {TICKET_EMAIL_SLOT: service.validate_email(email_candidate(value))}
        except TicketValidationError as exc:
            dispatcher.utter_message(text=exc.message)
            return {TICKET_EMAIL_SLOT: None}


class ActionTicketStatus(Action):
    """Tell the user where their support request stands, without revealing anyone else's."""

    def name(self) -> str:
        return "action_ticket_status"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        identity = verified_identity(tracker)
        number = tracker.get_slot(TICKET_NUMBER_SLOT)
        email = tracker.get_slot(TICKET_EMAIL_SLOT)
        if not identity and not number:
            number = tracker.get_slot(LAST_TICKET_SLOT)
            email = tracker.get_slot(LAST_EMAIL_SLOT)
        lines = await asyncio.to_thread(status_lines, identity, number, email)
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet(TICKET_NUMBER_SLOT, None), SlotSet(TICKET_EMAIL_SLOT, None)]


def status_lines(
    identity: dict[str, Any] | None, number: str | None, email: str | None
) -> list[str]:
    """The lines of the answer (blocking: run in a thread)."""
    with get_sessionmaker()() as session:
        if identity:
            sub = str(identity["sub"])
            if number:
                ticket = service.find_ticket_for_requester(session, number=number, identity_sub=sub)
                return [describe_ticket(ticket)] if ticket else [STATUS_NOT_YOURS_TEXT]
            tickets = service.tickets_for_identity(session, sub)
            return [describe_ticket(t) for t in tickets] or [STATUS_NONE_TEXT]
        if not number or not email:
            return [STATUS_NOT_FOUND_TEXT]
        ticket = service.find_ticket_for_requester(session, number=number, email=email)
        return [describe_ticket(ticket)] if ticket else [STATUS_NOT_FOUND_TEXT]

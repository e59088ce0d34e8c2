"""What the support actions read from the conversation: the slots of the support form and
of the ticket status form, the verified identity, and the intents of the user's messages.

The identity is read only from the message metadata that the web app sends after
verifying the portal's signed token, never from what the user types.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from actions.status import message_metadata
from actions.status import verified_identity as verified_token_identity

# Slots of the support form, in the order they are asked.
EMAIL_SLOT = "support_email"
CATEGORY_SLOT = "support_category"
DESCRIPTION_SLOT = "support_description"
REFERENCE_SLOT = "support_reference"
CONFIRMATION_SLOT = "support_confirmation"
FORM_SLOTS = (EMAIL_SLOT, CATEGORY_SLOT, DESCRIPTION_SLOT, REFERENCE_SLOT, CONFIRMATION_SLOT)
# Slots of the ticket status form, and the last ticket created in this conversation.
TICKET_NUMBER_SLOT = "ticket_number"
TICKET_EMAIL_SLOT = "ticket_email"
LAST_TICKET_SLOT = "support_last_ticket"
LAST_EMAIL_SLOT = "support_last_email"
REQUESTED_SLOT = "requested_slot"

# Slot values: no reference given, and the summary confirmed.
NO_REFERENCE = "aucune"
CONFIRM_SEND = "envoyer"
# Intents of the dialogue itself, not of a request the assistant could not answer.
FLOW_INTENTS = frozenset(
    {
        "ask_human",
        "open_ticket",
        "affirm",
        "deny",
        "cancel",
        "feedback",
        "ask_ticket_status",
        "greet",
        "goodbye",
        "thanks",
        "session_start",
    }
)
_EMAIL = re.compile(r"\S+@\S+")


def request_metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata the web app attached to the latest user message (identity, page)."""
    return message_metadata(tracker)


def verified_identity(tracker: Tracker) -> dict[str, Any] | None:
    """The claims of the identity token in the metadata if it verifies, else None.

    The web app verified the token already; it is checked again here (defence in depth).
    """
    identity = verified_token_identity(tracker)
    return identity.claims() if identity is not None else None


def identity_email(tracker: Tracker) -> str | None:
    identity = verified_identity(tracker)
    email = identity.get("email") if identity else None
    return str(email) if email else None


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def email_candidate(value: Any) -> str:
    """The e-mail address in an answer (« c'est jean@exemple.fr. »), else the answer."""
    match = _EMAIL.search(str(value or ""))
    return match.group(0).strip(".,;:!?()<>«»\"'") if match else str(value or "")


def previous_bot_event(tracker: Tracker) -> dict[str, Any] | None:
    """The last bot message before the latest user message (None at the start)."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif kind == "bot" and seen_user:
            found: dict[str, Any] = event
            return found
    return None


def escalation_intent(tracker: Tracker) -> tuple[str | None, float | None]:
    """The intent (and confidence) of the user's last real request before the support form:
    the message that the assistant could not answer, not « oui » or « parler à un humain »."""
    form_started: float | None = None
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == "support_form":
            form_started = event.get("timestamp")
            break
    fallback: tuple[str | None, float | None] = (None, None)
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if form_started is not None and (event.get("timestamp") or 0) >= form_started:
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        name, confidence = intent.get("name"), intent.get("confidence")
        if name and name not in FLOW_INTENTS:
            return name, confidence
        if name and fallback == (None, None):
            fallback = (name, confidence)
    return fallback

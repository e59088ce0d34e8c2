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
# The unanswered question proposed as the description (not a required slot of the form):
# the question while the user's « oui » / « Je corrige » is awaited, then PROPOSAL_ANSWERED.
PROPOSAL_SLOT = "support_description_proposal"
PROPOSAL_ANSWERED = "answered"
# Knowledge-base decisions (``kb`` record of a bot message) that leave a question unanswered.
UNANSWERED_DECISIONS = frozenset({"abstain", "clarify"})

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


def _feedback_is_positive(event: dict[str, Any]) -> bool:
    entities = (event.get("parse_data") or {}).get("entities") or []
    values = {str(e.get("value", "")).lower() for e in entities if isinstance(e, dict)}
    return bool(values & {"positive", "positif", "pos", "up"})


def _leaves_unanswered(event: dict[str, Any]) -> bool:
    """Whether an event says the question before it went unanswered: the knowledge base
    abstained or asked « Vouliez-vous dire… », or the user answered « non » or a thumbs-down."""
    if event.get("event") == "bot":
        record = ((event.get("data") or {}).get("custom") or {}).get("kb") or {}
        return isinstance(record, dict) and record.get("decision") in UNANSWERED_DECISIONS
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return intent == "deny" or (intent == "feedback" and not _feedback_is_positive(event))


def unanswered_question(events: list[dict[str, Any]]) -> str | None:
    """The user's last question that the assistant could not answer before the current
    support form (its text as typed), or None. A question already sent with an earlier
    request does not count again."""
    starts = [
        i
        for i, e in enumerate(events)
        if e.get("event") == "active_loop" and e.get("name") == "support_form"
    ]
    question: str | None = None
    unanswered: str | None = None
    for index, event in enumerate(events[: starts[-1] if starts else len(events)]):
        if index in starts:  # an earlier request took the questions before it
            question = unanswered = None
        elif event.get("event") == "user":
            text = str(event.get("text") or "").strip()
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if text and not text.startswith("/") and intent not in FLOW_INTENTS:
                question = text
                continue
        if event.get("event") in ("user", "bot") and _leaves_unanswered(event):
            unanswered = question or unanswered
    return unanswered

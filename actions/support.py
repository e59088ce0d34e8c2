"""Escalation to the support team from the chat: the support form, its submission, the offer
of the form, cancellation and « où en est mon ticket ? ».

- ``support_form`` (a Rasa form validated by :class:`ValidateSupportForm`) asks the e-mail
  (not asked when the verified identity carries one), the category (buttons of the
  taxonomy), the description and an optional submission reference, then shows a summary
  with « Envoyer » / « Modifier » / « Annuler ».
- :class:`ActionSubmitSupportTicket` creates the ticket with the transcript of the web app's
  chat turns (intent, confidence, knowledge-base records), the identity and the page.
- :class:`ActionOfferSupport` / :class:`ActionAcceptSupportOffer` handle « non » / « oui »
  after an answer or an offer; :class:`ActionCancelSupport` leaves a form at any step.
- ``ticket_status_form`` + :class:`ActionTicketStatus`: identified users see their own
  tickets; anonymous users give the number and the e-mail used, and get the same answer
  whether the number exists or not.

The identity is read only from the message metadata that the web app sends after
verifying the portal's signed token, never from what the user types.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SUPPORT_LINK, never_raise
from actions.status import message_metadata
from actions.status import verified_identity as verified_token_identity
from actions.support_offer import is_offer, offer_buttons
from portal.conversations.repository import list_turns
from portal.conversations.transcript import kb_candidates_from_turns, transcript_from_turns
from storage.db import get_sessionmaker
from support_tickets import service
from support_tickets.config import get_support_settings
from support_tickets.errors import TicketValidationError
from support_tickets.numbering import normalise_number
from support_tickets.taxonomy import CATEGORY_LABELS

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")

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

NO_REFERENCE = "aucune"
CONFIRM_SEND = "envoyer"
NO_REFERENCE_WORDS = frozenset(
    {
        "aucune",
        "aucun",
        "non",
        "non merci",
        "rien",
        "neant",
        "néant",
        "pas de reference",
        "pas de référence",
        "je n'en ai pas",
        "je n en ai pas",
        "sans",
        "sans objet",
        "ras",
        "no",
    }
)
SEND_WORDS = frozenset(
    {
        "envoyer",
        "envoyez",
        "envoie",
        "envoyer la demande",
        "oui",
        "ok",
        "d'accord",
        "valider",
        "je confirme",
        "confirmer",
        "c'est bon",
        "oui envoyer",
        "go",
    }
)
EDIT_WORD = "modif"
MAX_REFERENCE_CHARS = 64
REFERENCE_TOKEN = re.compile(r"[\w/-]+")
# Words that pick the field to change after « Modifier ».
EDIT_FIELDS: dict[str, tuple[str, ...]] = {
    EMAIL_SLOT: ("mail", "adresse", "courriel"),
    CATEGORY_SLOT: ("catégorie", "categorie"),
    DESCRIPTION_SLOT: ("description", "message", "texte"),
    REFERENCE_SLOT: ("référence", "reference"),
}
EDIT_FIELD_BUTTONS: dict[str, str] = {
    EMAIL_SLOT: "Modifier l'adresse électronique",
    CATEGORY_SLOT: "Modifier la catégorie",
    DESCRIPTION_SLOT: "Modifier la description",
    REFERENCE_SLOT: "Modifier la référence",
}
# Words recognising a category typed instead of clicked (accents removed, lower case).
CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "compte": ("compte", "acces", "connexion", "connecter", "mot de passe", "identifiant"),
    "memoires": ("memoire", "justice", "frais de justice", "tribunal"),
    "tic_ticgn": ("tic", "ticgn", "gazole", "gaz naturel", "agricole"),
    "factures": ("facture", "depot", "avoir", "facturation"),
    "suivi": ("suivi", "statut", "etat", "ou en est", "transmis"),
    "technique": ("technique", "bug", "erreur", "panne", "bloque", "plante"),
    "autre": ("autre",),
}
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

ASK_CATEGORY_TEXT = "Quelle est la catégorie de votre demande ?"
SUMMARY_INTRO = "Voici le récapitulatif de votre demande :"
SUMMARY_QUESTION = "Voulez-vous l'envoyer à nos équipes ?"
EDIT_CHOICE_TEXT = "Que souhaitez-vous modifier ?"
# Buttons carry intent payloads, so that NLU never reads « Envoyer » or « Modifier »
# as a wish to cancel; « Modifier la … » names the field in the ``support_field`` entity.
CONFIRM_BUTTONS = [
    {"title": "Envoyer", "payload": "/affirm"},
    {"title": "Modifier", "payload": "/deny"},
    {"title": "Annuler", "payload": "/cancel"},
]
FIELD_ENTITY = "support_field"
INVALID_CATEGORY_TEXT = "Je n'ai pas reconnu la catégorie : choisissez-la parmi les boutons."
INVALID_REFERENCE_TEXT = (
    f"La référence ne doit pas dépasser {MAX_REFERENCE_CHARS} caractères. Indiquez-la "
    "telle qu'elle figure sur votre formulaire, ou répondez « aucune »."
)
REFERENCE_WITHOUT_FIGURES_TEXT = (
    "Indiquez la référence du formulaire telle qu'elle y figure, avec ses chiffres (par "
    "exemple MJ-2024-000123), ou répondez « aucune » si vous ne l'avez pas."
)
INVALID_CONFIRMATION_TEXT = (
    "Je n'ai pas compris votre choix : cliquez sur « Envoyer », « Modifier » ou « Annuler »."
)
SUBMITTED_TEXT = (
    "Votre demande a bien été transmise à nos équipes sous le numéro {number}. "
    "Un conseiller vous répondra par courriel à l'adresse {email}, et sa réponse s'affichera "
    "aussi ici si vous revenez dans cette conversation. Pour connaître l'avancement de votre "
    "demande, demandez-moi simplement « où en est mon ticket ? »."
)
SUBMIT_FAILED_TEXT = "Votre demande n'a pas pu être enregistrée : {reason}"
CANCELLED_TEXT = (
    "C'est annulé : aucune demande n'a été envoyée. Avez-vous une autre question sur "
    "Chorus Portal Pro ?"
)
OFFER_AFTER_DENY_TEXT = (
    "Je suis désolé que cette réponse ne vous aide pas. Voulez-vous que nos équipes "
    "prennent le relais ? Votre échange avec moi leur sera transmis : vous n'aurez rien à "
    "répéter."
)
OFFER_AFTER_FAILURES_TEXT = (
    "Je ne parviens pas à vous aider sur ce point. Nos équipes peuvent vous répondre : "
    "voulez-vous leur transmettre votre demande ?"
)
OFFER_TEXT = "Voulez-vous transmettre votre demande à nos équipes ?"
DECLINED_TEXT = (
    "Entendu. Le formulaire « support » reste accessible à tout moment si vous changez "
    "d'avis. Avez-vous une autre question ?"
)
AFFIRM_TEXT = "Très bien. Avez-vous une autre question ?"
STATUS_NOT_FOUND_TEXT = (
    "Je ne trouve aucune demande correspondant à ce numéro et à cette adresse électronique. "
    "Vérifiez le numéro (de la forme SUP-2026-000042) et l'adresse utilisée lors de votre "
    "demande."
)
STATUS_NOT_YOURS_TEXT = (
    "Je ne trouve aucune demande à ce numéro parmi les vôtres. Vérifiez le numéro (de la "
    "forme SUP-2026-000042)."
)
STATUS_NONE_TEXT = (
    "Vous n'avez aucune demande auprès de nos équipes. Si une question reste sans réponse, "
    "je peux vous aider à en ouvrir une."
)
INVALID_TICKET_NUMBER_TEXT = (
    "Je n'ai pas reconnu de numéro de demande : il est de la forme SUP-2026-000042 et "
    "figure dans le message de confirmation."
)


# --- reading the tracker ------------------------------------------------------------------


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
            return event
    return None


def escalation_intent(tracker: Tracker) -> tuple[str | None, float | None]:
    """The intent (and confidence) of the user's last real request before the support form:
    the message that the assistant could not answer, not « oui » or « parler à un humain »."""
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


def _plain(text: str) -> str:
    """Lower case without French accents, for keyword matching."""
    table = str.maketrans("àâäéèêëîïôöùûüç’", "aaaeeeeiioouuuc'")
    return " ".join(text.lower().translate(table).split())


def category_from_text(text: str) -> str | None:
    """The category id chosen by a button (its label), typed as an id, or by keywords."""
    value = _plain(text)
    for category, label in CATEGORY_LABELS.items():
        if value in (category, _plain(label)):
            return category
    for category, words in CATEGORY_KEYWORDS.items():
        if any(re.search(rf"\b{re.escape(word)}", value) for word in words):
            return category
    return None


# --- the support form ---------------------------------------------------------------------


def _summary(tracker: Tracker) -> str:
    email = identity_email(tracker) or tracker.get_slot(EMAIL_SLOT) or ""
    category = CATEGORY_LABELS.get(tracker.get_slot(CATEGORY_SLOT) or "", "")
    reference = tracker.get_slot(REFERENCE_SLOT)
    reference_text = "aucune" if not reference or reference == NO_REFERENCE else reference
    return "\n".join(
        [
            SUMMARY_INTRO,
            f"• Adresse électronique : {email}",
            f"• Catégorie : {category}",
            f"• Description : {tracker.get_slot(DESCRIPTION_SLOT) or ''}",
            f"• Référence du formulaire : {reference_text}",
            SUMMARY_QUESTION,
        ]
    )


class ValidateSupportForm(FormValidationAction):
    """Validate each answer of ``support_form``; skip the e-mail of an identified user."""

    def name(self) -> str:
        return "validate_support_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        slots = list(FORM_SLOTS)
        if identity_email(tracker):
            slots.remove(EMAIL_SLOT)
        return slots

    def validate_support_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        match = re.search(r"\S+@\S+", str(value or ""))
        candidate = match.group(0).strip(".,;:!?()<>«»\"'") if match else str(value or "")
        try:
            return {EMAIL_SLOT: service.validate_email(candidate)}
        except TicketValidationError as exc:
            dispatcher.utter_message(text=exc.message)
            return {EMAIL_SLOT: None}

    def validate_support_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        category = category_from_text(str(value or ""))
        if category is None:
            dispatcher.utter_message(text=INVALID_CATEGORY_TEXT)
        return {CATEGORY_SLOT: category}

    def validate_support_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            text = service.validate_description(str(value or ""), get_support_settings())
        except TicketValidationError as exc:
            dispatcher.utter_message(text=exc.message)
            return {DESCRIPTION_SLOT: None}
        return {DESCRIPTION_SLOT: text}

    def validate_support_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split()).strip(" .!")
        no_words = {_plain(w) for w in NO_REFERENCE_WORDS}
        declined = latest_intent(tracker) == "deny" and not re.search(r"\d", text)
        if not text or declined or _plain(text) in no_words:
            return {REFERENCE_SLOT: NO_REFERENCE}
        if len(text) > MAX_REFERENCE_CHARS:
            dispatcher.utter_message(text=INVALID_REFERENCE_TEXT)
            return {REFERENCE_SLOT: None}
        # A form's reference has figures (MJ-2024-000123): « oui » or « ma facture » is not
        # one; « non c'est FA2024-12 » keeps only the reference.
        references = [t for t in REFERENCE_TOKEN.findall(text) if any(c.isdigit() for c in t)]
        if not references:
            dispatcher.utter_message(text=REFERENCE_WITHOUT_FIGURES_TEXT)
            return {REFERENCE_SLOT: None}
        return {REFERENCE_SLOT: " ".join(references).upper()}

    def validate_support_confirmation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = _plain(str(value or ""))
        if EDIT_WORD in text or latest_intent(tracker) == "deny":
            chosen = next(tracker.get_latest_entity_values(FIELD_ENTITY), None)
            fields = [
                slot
                for slot, words in EDIT_FIELDS.items()
                if (slot == chosen or any(_plain(w) in text for w in words))
                and not (slot == EMAIL_SLOT and identity_email(tracker))
            ]
            # Without a field, the question asked next offers the fields to choose from.
            return {CONFIRMATION_SLOT: None, **{slot: None for slot in fields}}
        if latest_intent(tracker) == "affirm" or text in {_plain(w) for w in SEND_WORDS}:
            return {CONFIRMATION_SLOT: CONFIRM_SEND}
        dispatcher.utter_message(text=INVALID_CONFIRMATION_TEXT)
        return {CONFIRMATION_SLOT: None}


class ActionAskSupportCategory(Action):
    """Ask the category with one button per category of the taxonomy."""

    def name(self) -> str:
        return "action_ask_support_category"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        buttons = [{"title": label, "payload": label} for label in CATEGORY_LABELS.values()]
        buttons.append({"title": "Annuler", "payload": "/cancel"})
        dispatcher.utter_message(text=ASK_CATEGORY_TEXT, buttons=buttons)
        return []


class ActionAskSupportConfirmation(Action):
    """Show the summary with « Envoyer » / « Modifier » / « Annuler », or, right after
    « Modifier », the fields that can be changed."""

    def name(self) -> str:
        return "action_ask_support_confirmation"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        last_text = _plain(str((tracker.latest_message or {}).get("text") or ""))
        asked_to_edit = tracker.get_slot("requested_slot") == CONFIRMATION_SLOT and (
            last_text.startswith(EDIT_WORD) or last_text == CONFIRM_BUTTONS[1]["payload"]
        )
        if asked_to_edit:
            buttons = [
                {"title": title, "payload": f'/deny{{"{FIELD_ENTITY}":"{slot}"}}'}
                for slot, title in EDIT_FIELD_BUTTONS.items()
                if not (slot == EMAIL_SLOT and identity_email(tracker))
            ]
            buttons.append({"title": "Annuler", "payload": "/cancel"})
            dispatcher.utter_message(text=EDIT_CHOICE_TEXT, buttons=buttons)
            return []
        dispatcher.utter_message(text=_summary(tracker), buttons=[dict(b) for b in CONFIRM_BUTTONS])
        return []


def _reset_form() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("requested_slot", None)]


class ActionSubmitSupportTicket(Action):
    """Create the ticket from the completed support form and give the user its number."""

    def name(self) -> str:
        return "action_submit_support_ticket"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(CONFIRMATION_SLOT) != CONFIRM_SEND:
            dispatcher.utter_message(text=CANCELLED_TEXT)
            return _reset_form()
        identity = verified_identity(tracker)
        email = identity_email(tracker) or str(tracker.get_slot(EMAIL_SLOT) or "")
        reference = tracker.get_slot(REFERENCE_SLOT)
        intent, confidence = escalation_intent(tracker)
        metadata = request_metadata(tracker)
        fields = {
            "email": email,
            "category": str(tracker.get_slot(CATEGORY_SLOT) or ""),
            "description": str(tracker.get_slot(DESCRIPTION_SLOT) or ""),
            "reference": None if reference in (None, NO_REFERENCE) else str(reference),
            "identity": identity,
            "intent": intent,
            "intent_confidence": confidence,
            "page": metadata.get("page") if isinstance(metadata.get("page"), str) else None,
        }
        try:
            number = await asyncio.to_thread(_create_ticket, tracker.sender_id, fields)
        except TicketValidationError as exc:
            logger.warning("support.ticket_invalid sender=%s error=%s", tracker.sender_id, exc)
            dispatcher.utter_message(
                text=SUBMIT_FAILED_TEXT.format(reason=exc.message),
                json_message={"links": [SUPPORT_LINK]},
            )
            return _reset_form()
        logger.info("support.ticket_created sender=%s number=%s", tracker.sender_id, number)
        dispatcher.utter_message(text=SUBMITTED_TEXT.format(number=number, email=email))
        return [*_reset_form(), SlotSet(LAST_TICKET_SLOT, number), SlotSet(LAST_EMAIL_SLOT, email)]


def _create_ticket(chat_session_id: str, fields: dict[str, Any]) -> str:
    """Read the conversation's turns and create the ticket (blocking: run in a thread)."""
    with get_sessionmaker()() as session:
        turns = list_turns(session, chat_session_id)
        page = fields.pop("page") or next((t.page for t in reversed(turns) if t.page), None)
        ticket = service.create_ticket(
            session,
            **fields,
            chat_session_id=chat_session_id,
            transcript=transcript_from_turns(turns),
            kb_candidates=kb_candidates_from_turns(turns),
            page=page,
            channel="chat",
        )
        return ticket.number


class ActionCancelSupport(Action):
    """Leave the support form (or the ticket status form) at any step; nothing is sent."""

    def name(self) -> str:
        return "action_cancel_support"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=CANCELLED_TEXT)
        return [
            ActiveLoop(None),
            *_reset_form(),
            SlotSet(TICKET_NUMBER_SLOT, None),
            SlotSet(TICKET_EMAIL_SLOT, None),
        ]


class ActionOfferSupport(Action):
    """Offer the support form after « non » to an answer, or after two requests in a row
    the assistant could not handle; a « non » to an offer is taken as a polite refusal."""

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
        text = OFFER_AFTER_DENY_TEXT if intent == "deny" else OFFER_AFTER_FAILURES_TEXT
        logger.info("support.offered sender=%s after=%s", tracker.sender_id, intent)
        dispatcher.utter_message(text=text, buttons=offer_buttons())
        return []


class ActionAcceptSupportOffer(Action):
    """« oui » typed after a message: opens the support form if that message offered it."""

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


# --- « où en est mon ticket ? » -----------------------------------------------------------


def _local(value: dt.datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(PARIS).strftime("%d/%m/%Y à %H h %M")


def describe_ticket(ticket: Any) -> str:
    """One French sentence on a ticket: number, category, status, dates."""
    category = CATEGORY_LABELS.get(ticket.category, ticket.category)
    return (
        f"Votre demande {ticket.number} ({category}), ouverte le {_local(ticket.created_at)} : "
        f"« {service.status_label(ticket)} », dernière mise à jour le "
        f"{_local(ticket.updated_at)}."
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
        match = re.search(r"\S+@\S+", str(value or ""))
        candidate = match.group(0).strip(".,;:!?()<>«»\"'") if match else str(value or "")
        try:
            return {TICKET_EMAIL_SLOT: service.validate_email(candidate)}
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
        lines = await asyncio.to_thread(_status_lines, identity, number, email)
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet(TICKET_NUMBER_SLOT, None), SlotSet(TICKET_EMAIL_SLOT, None)]


def _status_lines(
    identity: dict[str, Any] | None, number: str | None, email: str | None
) -> list[str]:
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

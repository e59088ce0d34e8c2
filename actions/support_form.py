"""The support form (``support_form``): validating each answer and asking the questions that
need buttons.

The form asks the e-mail (not asked when the verified identity carries one), the category
(buttons of the taxonomy), the description and an optional submission reference, then shows
a summary with « Envoyer » / « Modifier » / « Annuler » (``utter_support_summary``).
The description question first proposes the conversation's last unanswered question
(``utter_support_description_proposal``: « Oui, c'est bien ça » keeps it, « Je corrige » or
a new text replaces it), once per request.
« Modifier » offers the fields to change (``utter_support_edit_choice``).
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import never_raise
from actions.support_context import (
    CATEGORY_SLOT,
    CONFIRM_SEND,
    CONFIRMATION_SLOT,
    DESCRIPTION_SLOT,
    EMAIL_SLOT,
    FORM_SLOTS,
    NO_REFERENCE,
    PROPOSAL_ANSWERED,
    PROPOSAL_SLOT,
    REFERENCE_SLOT,
    REQUESTED_SLOT,
    email_candidate,
    identity_email,
    latest_intent,
    unanswered_question,
)
from actions.texts import buttons, text
from knowledge_base.text import fold
from support_tickets import service
from support_tickets.config import get_support_settings
from support_tickets.errors import TicketValidationError
from support_tickets.taxonomy import CATEGORY_LABELS

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
# Answers to the proposed description (utter_support_description_proposal): « Oui, c'est
# bien ça » sends /affirm, « Je corrige » /deny; a short typed « oui » / « non » too. A longer
# answer, or one that matches neither, is the corrected description itself.
KEEP_WORDS = frozenset({"oui", "ok", "d'accord", "exact", "exactement", "correct", "c'est ça"})
CORRECT_WORD = "corrig"
MAX_SHORT_ANSWER_WORDS = 4
# The payload of « Modifier » in ``utter_support_summary``; « Modifier la … » buttons of
# ``utter_support_edit_choice`` name the field in the ``support_field`` entity.
EDIT_PAYLOAD = "/deny"
FIELD_ENTITY = "support_field"
MAX_REFERENCE_CHARS = 64
REFERENCE_TOKEN = re.compile(r"[\w/-]+")
# Words that pick the field to change after « Modifier ».
EDIT_FIELDS: dict[str, tuple[str, ...]] = {
    EMAIL_SLOT: ("mail", "adresse", "courriel"),
    CATEGORY_SLOT: ("catégorie", "categorie"),
    DESCRIPTION_SLOT: ("description", "message", "texte"),
    REFERENCE_SLOT: ("référence", "reference"),
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

INVALID_CATEGORY_TEXT = text("utter_support_invalid_category")
INVALID_REFERENCE_TEXT = text("utter_support_invalid_reference", max_chars=MAX_REFERENCE_CHARS)
REFERENCE_WITHOUT_FIGURES_TEXT = text("utter_support_reference_without_figures")
INVALID_CONFIRMATION_TEXT = text("utter_support_invalid_confirmation")
EDIT_CHOICE_TEXT = text("utter_support_edit_choice")


def plain(value: str) -> str:
    """Lower case without French accents and with single spaces, for keyword matching."""
    return " ".join(fold(value).split())


def edit_payload(slot: str) -> str:
    """The payload of the « Modifier la … » button of a field."""
    return f'{EDIT_PAYLOAD}{{"{FIELD_ENTITY}":"{slot}"}}'


def category_from_text(answer: str) -> str | None:
    """The category id chosen by a button (its label), typed as an id, or by keywords."""
    value = plain(answer)
    for category, label in CATEGORY_LABELS.items():
        if value in (category, plain(label)):
            return category
    for category, words in CATEGORY_KEYWORDS.items():
        if any(re.search(rf"\b{re.escape(word)}", value) for word in words):
            return category
    return None


def summary(tracker: Tracker) -> str:
    """The answers of the form, before « Envoyer » / « Modifier » / « Annuler »."""
    reference = tracker.get_slot(REFERENCE_SLOT)
    no_reference = not reference or reference == NO_REFERENCE
    return text(
        "utter_support_summary",
        email=identity_email(tracker) or tracker.get_slot(EMAIL_SLOT) or "",
        category=CATEGORY_LABELS.get(tracker.get_slot(CATEGORY_SLOT) or "", ""),
        description=tracker.get_slot(DESCRIPTION_SLOT) or "",
        reference=text("utter_support_reference_none") if no_reference else reference,
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
        try:
            return {EMAIL_SLOT: service.validate_email(email_candidate(value))}
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

    @staticmethod
    def _description(value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        try:
            description = service.validate_description(str(value or ""), get_support_settings())
        except TicketValidationError as exc:
            dispatcher.utter_message(text=exc.message)
            return {DESCRIPTION_SLOT: None}
        return {DESCRIPTION_SLOT: description}

    def validate_support_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        proposal = tracker.get_slot(PROPOSAL_SLOT)
        if not proposal or proposal == PROPOSAL_ANSWERED:
            return self._description(value, dispatcher)
        # The answer to « Voici votre demande telle que je l'ai comprise… Est-ce correct ? »
        settled = {PROPOSAL_SLOT: PROPOSAL_ANSWERED}
        answer = plain(str(value or "")).strip(" .!")
        short = len(answer.split()) <= MAX_SHORT_ANSWER_WORDS
        intent = latest_intent(tracker)
        if CORRECT_WORD in answer or (intent == "deny" and short):
            return {DESCRIPTION_SLOT: None, **settled}  # asked again, as without a proposal
        if (intent == "affirm" and short) or answer in {plain(w) for w in KEEP_WORDS}:
            return {DESCRIPTION_SLOT: str(proposal), **settled}
        return {**self._description(value, dispatcher), **settled}

    def validate_support_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = " ".join(str(value or "").split()).strip(" .!")
        no_words = {plain(w) for w in NO_REFERENCE_WORDS}
        declined = latest_intent(tracker) == "deny" and not re.search(r"\d", answer)
        if not answer or declined or plain(answer) in no_words:
            return {REFERENCE_SLOT: NO_REFERENCE}
        if len(answer) > MAX_REFERENCE_CHARS:
            dispatcher.utter_message(text=INVALID_REFERENCE_TEXT)
            return {REFERENCE_SLOT: None}
        # A form's reference has figures (MJ-2024-000123): « oui » or « ma facture » is not
        # one; « non c'est FA2024-12 » keeps only the reference.
        references = [t for t in REFERENCE_TOKEN.findall(answer) if any(c.isdigit() for c in t)]
        if not references:
            dispatcher.utter_message(text=REFERENCE_WITHOUT_FIGURES_TEXT)
            return {REFERENCE_SLOT: None}
        return {REFERENCE_SLOT: " ".join(references).upper()}

    def validate_support_confirmation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = plain(str(value or ""))
        if EDIT_WORD in answer or latest_intent(tracker) == "deny":
            chosen = next(tracker.get_latest_entity_values(FIELD_ENTITY), None)
            fields = [
                slot
                for slot, words in EDIT_FIELDS.items()
                if (slot == chosen or any(plain(w) in answer for w in words))
                and not (slot == EMAIL_SLOT and identity_email(tracker))
            ]
            # Without a field, the question asked next offers the fields to choose from.
            return {CONFIRMATION_SLOT: None, **{slot: None for slot in fields}}
        if latest_intent(tracker) == "affirm" or answer in {plain(w) for w in SEND_WORDS}:
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
        categories = [{"title": label, "payload": label} for label in CATEGORY_LABELS.values()]
        dispatcher.utter_message(
            text=text("utter_support_category_question"),
            buttons=[*categories, *buttons("utter_support_category_question")],
        )
        return []


def proposable(question: str | None) -> str | None:
    """The unanswered question if it is a valid description, else None."""
    if not question:
        return None
    try:
        return service.validate_description(question, get_support_settings())
    except TicketValidationError:
        return None


class ActionAskSupportDescription(Action):
    """Propose the conversation's last unanswered question as the description (« Oui, c'est
    bien ça » / « Je corrige »), once per request; otherwise ask for the description."""

    def name(self) -> str:
        return "action_ask_support_description"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(PROPOSAL_SLOT) is None:
            question = proposable(unanswered_question(tracker.events))
            if question is not None:
                dispatcher.utter_message(
                    text=text("utter_support_description_proposal", description=question),
                    buttons=buttons("utter_support_description_proposal"),
                )
                return [SlotSet(PROPOSAL_SLOT, question)]
        dispatcher.utter_message(text=text("utter_ask_support_description"))
        return []


class ActionAskSupportConfirmation(Action):
    """Show the summary with « Envoyer » / « Modifier » / « Annuler », or, right after
    « Modifier », the fields that can be changed."""

    def name(self) -> str:
        return "action_ask_support_confirmation"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        last_text = plain(str((tracker.latest_message or {}).get("text") or ""))
        asked_to_edit = tracker.get_slot(REQUESTED_SLOT) == CONFIRMATION_SLOT and (
            last_text.startswith(EDIT_WORD) or last_text == EDIT_PAYLOAD
        )
        if asked_to_edit:
            email_fixed = identity_email(tracker)  # identified: the e-mail is not asked
            choices = [
                button
                for button in buttons("utter_support_edit_choice")
                if not (email_fixed and button["payload"] == edit_payload(EMAIL_SLOT))
            ]
            dispatcher.utter_message(text=EDIT_CHOICE_TEXT, buttons=choices)
            return []
        dispatcher.utter_message(text=summary(tracker), buttons=buttons("utter_support_summary"))
        return []

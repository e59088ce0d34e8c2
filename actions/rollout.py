"""Rollout questions: which e-invoicing obligation date applies to the user, and whether a
TIC/TICGN refund can be filed on the portal from the head office's département.

Dialogue (``domain/rollout.yml``, ``nlu_data/rules/rollout.yml``): ``ask_rollout_date``
activates ``rollout_form``. Its validation action :class:`ValidateRolloutForm` reads each
message with :mod:`knowledge_base.rollout` (:mod:`actions.rollout_state`) and asks only for
what is missing:

- e-invoicing: a category (PME, ETI…), a first-wave group (filiale…), a public body, or
  figures that decide the category; with only part of the figures it asks for the rest;
- TIC/TICGN: the département of the head office.

When nothing is missing, the form ends at once and :class:`ActionAnswerRollout` answers with
the date, the reason and a link to the guide section (:mod:`actions.rollout_answers`). The
user leaves the form with « annuler », « laisse tomber » or a refusal; another kind of
request (question, support, out of scope) makes the form reject the message so that the
rules handle it.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SUPPORT_LINK, latest_text, never_raise
from actions.rollout_answers import CALENDAR_DOC, answer_for, calendar_answer, doc_link, nbsp
from actions.rollout_state import (
    ABANDONED,
    REQUESTED_SLOT,
    SLOT_ATTEMPTS,
    SLOT_CANCELLED,
    SLOT_COMPANY,
    SLOT_DEPARTEMENT,
    SLOT_EMPLOYEES,
    SLOT_TOPIC,
    SLOT_TURNOVER,
    RolloutState,
    advance,
    message_entities,
    message_intent,
    reset_events,
    wants_to_cancel,
    with_bare_number,
)
from actions.texts import text
from knowledge_base.rollout import RolloutRules, analyse, get_rules

logger = logging.getLogger(__name__)

# Unrecognised answers tolerated before the form gives up (it never traps the user).
MAX_ATTEMPTS = 2
# Intents that mean « I want something else »: the form rejects the message, rules act.
SWITCH_INTENTS = frozenset(
    {
        "ask_question",
        "check_status",
        "ask_documentation",
        "ask_human",
        "out_of_scope",
        "greet",
        "goodbye",
        "thanks",
        "bot_challenge",
        "feedback",
    }
)
CANCEL_INTENTS = frozenset({"deny", "cancel"})

CANCEL_TEXT = text("utter_rollout_cancelled")
GAVE_UP_TEXT = text("utter_rollout_gave_up")
# How to answer the question the form asked, after an answer it did not understand.
HINTS = {
    SLOT_COMPANY: text("utter_rollout_hint_company"),
    SLOT_EMPLOYEES: text("utter_rollout_hint_employees"),
    SLOT_TURNOVER: text("utter_rollout_hint_turnover"),
    SLOT_DEPARTEMENT: text("utter_rollout_hint_departement"),
}


class ValidateRolloutForm(FormValidationAction):
    """Fill ``rollout_form`` from each message; ask only for what is missing."""

    def __init__(self, rules: RolloutRules | None = None) -> None:
        self._rules = rules

    @property
    def rules(self) -> RolloutRules:
        return self._rules or get_rules()

    def name(self) -> str:
        return "validate_rollout_form"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = latest_text(tracker)
        intent = message_intent(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        fresh = requested is None
        state = RolloutState() if fresh else RolloutState.from_tracker(tracker)
        profile = with_bare_number(analyse(message, self.rules), message, requested)
        updated = advance(state, profile, message_entities(tracker), self.rules)
        unchanged = updated == state
        if not fresh and (wants_to_cancel(message) or (unchanged and intent in CANCEL_INTENTS)):
            logger.info("rollout.cancelled sender=%s", tracker.sender_id)
            return [SlotSet(SLOT_CANCELLED, True), SlotSet(REQUESTED_SLOT, None)]
        if not fresh and unchanged:
            if intent in SWITCH_INTENTS:
                logger.info("rollout.rejected sender=%s intent=%s", tracker.sender_id, intent)
                return []
            return self._not_understood(dispatcher, tracker, state, requested)
        next_slot = updated.next_slot(self.rules)
        logger.info(
            "rollout.validated sender=%s topic=%s company=%s next=%s",
            tracker.sender_id,
            updated.topic,
            updated.company,
            next_slot,
        )
        return [*updated.slot_events(), SlotSet(REQUESTED_SLOT, next_slot)]

    @staticmethod
    def _not_understood(
        dispatcher: CollectingDispatcher, tracker: Tracker, state: RolloutState, requested: Any
    ) -> list[dict[str, Any]]:
        """A hint on how to answer, or, after :data:`MAX_ATTEMPTS`, give up politely."""
        attempts = state.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            logger.info("rollout.gave_up sender=%s", tracker.sender_id)
            dispatcher.utter_message(
                text=GAVE_UP_TEXT,
                json_message={"links": [doc_link(CALENDAR_DOC), SUPPORT_LINK]},
            )
            return [*reset_events(), SlotSet(SLOT_TOPIC, ABANDONED), SlotSet(REQUESTED_SLOT, None)]
        dispatcher.utter_message(text=HINTS.get(str(requested), HINTS[SLOT_COMPANY]))
        return [SlotSet(SLOT_ATTEMPTS, float(attempts)), SlotSet(REQUESTED_SLOT, requested)]


class ActionAnswerRollout(Action):
    """Answer the rollout question from the form's slots (or from the latest message)."""

    def __init__(self, rules: RolloutRules | None = None) -> None:
        self._rules = rules

    @property
    def rules(self) -> RolloutRules:
        return self._rules or get_rules()

    def name(self) -> str:
        return "action_answer_rollout"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rules = self.rules
        if tracker.get_slot(SLOT_CANCELLED):
            dispatcher.utter_message(text=CANCEL_TEXT)
            return reset_events()
        state = RolloutState.from_tracker(tracker)
        if state.topic == ABANDONED:
            return reset_events()
        if state.topic is None:
            message = latest_text(tracker)
            state = advance(state, analyse(message, rules), message_entities(tracker), rules)
        result = answer_for(state, rules)
        if result is None:
            logger.info("rollout.incomplete sender=%s state=%s", tracker.sender_id, state)
            result = calendar_answer(rules)
        answer, docs = result
        links = [doc_link(doc) for doc in dict.fromkeys(docs) if doc]
        logger.info(
            "rollout.answered sender=%s topic=%s company=%s departement=%s",
            tracker.sender_id,
            state.topic,
            state.company,
            state.departement,
        )
        # A decision record like the retrieval's: the turn log (and the evaluation) then
        # knows that a rule answered, with which inputs.
        record = {
            "decision": "answer",
            "source": "rollout_rules",
            "topic": state.topic,
            "company": state.company,
            "departement": state.departement,
        }
        dispatcher.utter_message(text=nbsp(answer), json_message={"links": links, "kb": record})
        return reset_events()

"""Tests of the rollout form validation and of action_answer_rollout, turn by turn."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SUPPORT_LINK, TECHNICAL_ERROR_TEXT
from actions.rollout import CANCEL_TEXT, HINTS, ActionAnswerRollout, ValidateRolloutForm
from actions.rollout_answers import OUTSIDE_PILOT_DOC
from actions.rollout_state import (
    SLOT_CANCELLED,
    SLOT_COMPANY,
    SLOT_DEPARTEMENT,
    SLOT_EMPLOYEES,
    SLOT_TURNOVER,
    decode_quantity,
    encode_quantity,
)
from knowledge_base.content import load_guides
from knowledge_base.rollout import Quantity

DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.jsonl"


def _tracker(
    text: str, slots: dict[str, Any], intent: str = "ask_rollout_date", entities: list | None = None
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": dict(slots),
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": entities or [],
            },
            "events": [],
            "active_loop": {"name": "rollout_form"},
        }
    )


class Dialogue:
    """Plays the form like Rasa does: validate each message, answer once nothing is missing."""

    def __init__(self) -> None:
        self.slots: dict[str, Any] = {}
        self.bot: list[dict[str, Any]] = []
        self.finished = False

    async def say(self, text: str, intent: str = "ask_rollout_date") -> list[dict[str, Any]]:
        dispatcher = CollectingDispatcher()
        events = await ValidateRolloutForm().run(dispatcher, _tracker(text, self.slots, intent), {})
        self.bot = list(dispatcher.messages)
        for event in events:
            self.slots[event["name"]] = event["value"]
        if events and self.slots.get("requested_slot") is None:
            dispatcher = CollectingDispatcher()
            closing = await ActionAnswerRollout().run(dispatcher, _tracker(text, self.slots), {})
            self.bot += dispatcher.messages
            for event in closing:
                self.slots[event["name"]] = event["value"]
            self.finished = True
        return events

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.bot)

    @property
    def links(self) -> list[dict[str, str]]:
        return [link for m in self.bot for link in (m.get("custom") or {}).get("links", [])]


def _dev_rollout_items() -> list[dict[str, Any]]:
    if not DEV_SET.exists():
        return []
    items = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    return [item for item in items if item.get("kind") == "rollout"]


def test_action_names() -> None:
    assert ActionAnswerRollout().name() == "action_answer_rollout"
    assert ValidateRolloutForm().name() == "validate_rollout_form"
    assert ValidateRolloutForm().form_name() == "rollout_form"


@pytest.mark.parametrize("item", _dev_rollout_items(), ids=lambda item: item["id"])
async def test_rollout_dev_questions_answered_at_once(item: dict[str, Any]) -> None:
    dialogue = Dialogue()
    await dialogue.say(item["question"])
    assert dialogue.finished, dialogue.slots
    text = dialogue.text
    assert any(re.search(p, text, re.IGNORECASE) for p in item["must_contain_any"]), text
    assert all(re.search(p, text, re.IGNORECASE) for p in item["must_contain_all"]), text
    assert dialogue.links


async def test_rollout_answer_gives_date_reason_count_and_link() -> None:
    dialogue = Dialogue()
    await dialogue.say(
        "On a 30 salariés et 5 millions d'euros de chiffre d'affaires, c'est quand ?"
    )
    assert "1er janvier 2019" in dialogue.text
    assert "moins de 250 personnes" in dialogue.text
    assert "136\u00a0000" in dialogue.text
    assert dialogue.links[0]["url"] == "/docs/facturation-electronique#calendrier-2019"


async def test_rollout_form_asks_for_what_is_missing() -> None:
    dialogue = Dialogue()
    await dialogue.say(
        "À partir de quand mon entreprise doit-elle émettre des factures électroniques ?"
    )
    assert not dialogue.finished and dialogue.slots["requested_slot"] == SLOT_COMPANY
    await dialogue.say("nous avons 80 salariés", intent="nlu_fallback")
    assert dialogue.slots["requested_slot"] == SLOT_TURNOVER
    assert decode_quantity(dialogue.slots[SLOT_EMPLOYEES]) == Quantity(80)
    await dialogue.say("12 M€", intent="nlu_fallback")
    assert dialogue.finished
    assert "PME" in dialogue.text and "1er janvier 2019" in dialogue.text
    assert dialogue.slots[SLOT_EMPLOYEES] is None  # reset for the next question


async def test_rollout_form_reads_a_lone_number_as_the_headcount() -> None:
    dialogue = Dialogue()
    await dialogue.say("on fait 1 million de CA, quelle date ?")
    assert dialogue.slots["requested_slot"] == SLOT_EMPLOYEES
    await dialogue.say("5", intent="nlu_fallback")
    assert dialogue.finished and "1er janvier 2020" in dialogue.text


async def test_rollout_form_tic_asks_for_the_departement() -> None:
    dialogue = Dialogue()
    await dialogue.say("Je peux faire ma demande de remboursement TIC sur le portail ?")
    assert dialogue.slots["requested_slot"] == SLOT_DEPARTEMENT
    await dialogue.say("Bretagne", intent="nlu_fallback")
    assert dialogue.text == HINTS[SLOT_DEPARTEMENT] and not dialogue.finished
    await dialogue.say("Seine Saint Denis", intent="nlu_fallback")
    assert dialogue.finished and dialogue.text.startswith("Oui")
    assert "93 (Seine-Saint-Denis)" in dialogue.text


async def test_rollout_tic_outside_pilot_says_what_to_do() -> None:
    dialogue = Dialogue()
    await dialogue.say(
        "exploitation forestière dans les Vosges, remboursement TICGN sur le portail ?"
    )
    # The pilot is history: the answer says so, then gives the regime in force.
    assert dialogue.text.startswith("Lors de l'expérimentation de DémaTIC, seuls")
    assert "88 (Vosges) n'en faisait pas partie. Cette restriction n'existe plus." in dialogue.text
    assert "obligatoire depuis la campagne 2021" in dialogue.text
    assert "Chorus\u00a0Pro" in dialogue.text or "Chorus Pro" in dialogue.text
    assert "DDFiP" in dialogue.text and "1er juillet 2024" in dialogue.text
    urls = [link["url"] for link in dialogue.links]
    assert "/docs/" + OUTSIDE_PILOT_DOC in urls
    assert "/docs/guide-carburants-agricoles#regime-en-vigueur" in urls


async def test_rollout_departement_entity_is_used() -> None:
    dialogue = Dialogue()
    await dialogue.say("demande TIC ici ?")
    dispatcher = CollectingDispatcher()
    entities = [{"entity": "departement", "value": "Pas de Calais"}]
    tracker = _tracker("c'est là", dialogue.slots, "nlu_fallback", entities)
    events = await ValidateRolloutForm().run(dispatcher, tracker, {})
    assert {"event": "slot", "timestamp": None, "name": SLOT_DEPARTEMENT, "value": "62"} in events


@pytest.mark.parametrize("reply", ["annuler", "laisse tomber", "Non merci, je ne sais pas"])
async def test_rollout_form_can_be_left(reply: str) -> None:
    dialogue = Dialogue()
    await dialogue.say("quelle est ma date d'obligation ?")
    await dialogue.say(reply, intent="nlu_fallback")
    assert dialogue.finished and dialogue.text == CANCEL_TEXT
    assert dialogue.slots[SLOT_CANCELLED] is None


async def test_rollout_form_deny_intent_leaves_the_form() -> None:
    dialogue = Dialogue()
    await dialogue.say("quelle est ma date d'obligation ?")
    await dialogue.say("non", intent="deny")
    assert dialogue.finished and dialogue.text == CANCEL_TEXT


async def test_rollout_form_rejects_another_request() -> None:
    dialogue = Dialogue()
    await dialogue.say("quelle est ma date d'obligation ?")
    events = await dialogue.say("comment créer un compte ?", intent="ask_question")
    assert events == [] and dialogue.bot == []


async def test_rollout_form_gives_up_after_repeated_unknown_answers() -> None:
    dialogue = Dialogue()
    await dialogue.say("quelle est ma date d'obligation ?")
    await dialogue.say("bof", intent="nlu_fallback")
    assert dialogue.text == HINTS[SLOT_COMPANY] and not dialogue.finished
    await dialogue.say("euh", intent="nlu_fallback")
    assert dialogue.finished
    assert "support" in dialogue.text
    assert SUPPORT_LINK in dialogue.links


async def test_rollout_customer_public_body_is_not_the_speaker() -> None:
    dialogue = Dialogue()
    await dialogue.say("Je facture une commune, depuis quand dois-je le faire en électronique ?")
    assert dialogue.slots["requested_slot"] == SLOT_COMPANY


async def test_rollout_answer_without_form_reads_the_message() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerRollout().run(dispatcher, _tracker("nous sommes une ETI", {}), {})
    assert "1er janvier 2018" in dispatcher.messages[0]["text"]


async def test_rollout_answer_never_raises() -> None:
    class Broken(ActionAnswerRollout):
        @property
        def rules(self) -> Any:
            raise RuntimeError("boom")

    dispatcher = CollectingDispatcher()
    assert await Broken().run(dispatcher, _tracker("PME", {}), {}) == []
    assert dispatcher.messages[0]["text"] == TECHNICAL_ERROR_TEXT


def test_rollout_links_point_at_existing_sections() -> None:
    known = {s.key for g in load_guides() for s in g.sections}
    assert OUTSIDE_PILOT_DOC in known
    assert "facturation-electronique#calendrier" in known


@pytest.mark.parametrize(
    "quantity", [Quantity(80), Quantity(9.5), Quantity(10, "less"), Quantity(5e7, "more")]
)
def test_encode_quantity_round_trip(quantity: Quantity) -> None:
    assert decode_quantity(encode_quantity(quantity)) == quantity

"""action_answer_question passes the detected intent back in its custom payload.

The web app stores it with the turn instead of asking Rasa's tracker in a second call.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.knowledge import payload
from knowledge_base.search import KnowledgeBase
from tests.actions.test_knowledge import FORGOTTEN_PASSWORD, _run, _tracker
from tests.actions.test_knowledge import kb as kb  # noqa: F401 (the module's fixture)

ASK_QUESTION = {"name": "ask_question", "confidence": 1.0}


@pytest.mark.parametrize(
    ("text", "entities", "decision"),
    [
        (FORGOTTEN_PASSWORD, [], "answer"),
        ("mot de passe", [], "clarify"),
        ("donne moi une recette de crêpes", [], "abstain"),
        ("comment déclarer mes cotisations à l'Urssaf ?", [], "referral"),
        (
            '/ask_question{"kb_entry_id":"comptes-gratuit"}',
            [{"entity": "kb_entry_id", "value": "comptes-gratuit"}],
            "answer",
        ),
    ],
)
async def test_knowledge_intent_rides_with_every_decision(
    kb: KnowledgeBase,  # noqa: F811
    text: str,
    entities: list[dict[str, Any]],
    decision: str,
) -> None:
    messages, _ = await _run(kb, _tracker(text, entities))
    custom = messages[0]["custom"]
    assert custom["kb"]["decision"] == decision
    assert custom["intent"] == ASK_QUESTION


def _with_intent(intent: dict[str, Any] | None) -> Tracker:
    tracker = _tracker("question")
    tracker.latest_message["intent"] = intent
    return tracker


def test_knowledge_payload_keeps_its_fields_and_adds_the_intent() -> None:
    tracker = _with_intent({"name": "faq", "confidence": 0.42})
    assert payload(tracker, kb={"decision": "abstain"}, links=[]) == {
        "kb": {"decision": "abstain"},
        "links": [],
        "intent": {"name": "faq", "confidence": 0.42},
    }


@pytest.mark.parametrize("intent", [None, {}, {"name": None, "confidence": 0.0}])
def test_knowledge_payload_without_intent_carries_none(intent: dict[str, Any] | None) -> None:
    assert payload(_with_intent(intent), kb={"decision": "answer"}) == {
        "kb": {"decision": "answer"}
    }

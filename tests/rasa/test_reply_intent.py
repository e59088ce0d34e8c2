"""``nlu_components.reply_intent`` in Rasa's own environment, with the trained model (issue
17): a REST reply opens with the intent the tracker holds for the message, the rest of the
reply is what Rasa gives without it, and a channel that does not collect replies gets
nothing more. Skipped without ``.venv-rasa`` or without a trained model."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rasa.rasa_env import run_in_rasa_env

SCRIPT = """
import asyncio, json, os
import numpy as np
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from nlu_components import reply_intent

MODEL = "models/assistant.tar.gz"
MESSAGES = ["bonjour", "merci beaucoup"]
if not os.path.exists(MODEL):
    print(json.dumps({"model": False}))
    raise SystemExit(0)

class Recording(OutputChannel):
    def __init__(self):
        self.customs = []
    async def send_text_message(self, recipient_id, text, **kwargs):
        pass
    async def send_custom_json(self, recipient_id, json_message, **kwargs):
        self.customs.append(json_message)

agent = Agent.load(MODEL)

async def replies(sender):
    out = []
    for text in MESSAGES:
        np.random.seed(7)  # the same response variation both times
        collector = CollectingOutputChannel()
        await agent.handle_message(UserMessage(text, collector, sender))
        tracker = await agent.tracker_store.retrieve(sender)
        intent = tracker.latest_message.intent
        out.append({"messages": collector.messages,
                    "tracker_intent": {"name": intent.get("name"),
                                       "confidence": intent.get("confidence")}})
    return out

async def main():
    result = {"model": True}
    result["before"] = await replies("avant")
    reply_intent.install()
    reply_intent.install()  # a second install changes nothing
    result["after"] = await replies("apres")
    recording = Recording()
    await agent.handle_message(UserMessage("bonjour", recording, "autre-canal"))
    result["other_channel_customs"] = recording.customs
    print(json.dumps(result))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    found = run_in_rasa_env(SCRIPT)
    if not found["model"]:
        pytest.skip("no trained model (models/assistant.tar.gz)")
    return found


def test_reply_intent_opens_the_reply_with_the_tracker_intent(result: dict[str, Any]) -> None:
    for turn in result["after"]:
        first = turn["messages"][0]
        assert first["custom"] == {"intent": turn["tracker_intent"]}
        assert first["recipient_id"] == "apres"
    assert [t["tracker_intent"]["name"] for t in result["after"]] == ["greet", "thanks"]


def test_reply_intent_leaves_the_rest_of_the_reply_as_rasa_gives_it(result: dict[str, Any]) -> None:
    for before, after in zip(result["before"], result["after"], strict=True):
        assert not any("intent" in (m.get("custom") or {}) for m in before["messages"])
        rest = [{**m, "recipient_id": "avant"} for m in after["messages"][1:]]
        assert rest == before["messages"]
        assert after["tracker_intent"] == before["tracker_intent"]


def test_reply_intent_other_channels_get_nothing_more(result: dict[str, Any]) -> None:
    assert result["other_channel_customs"] == []

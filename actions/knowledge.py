"""``action_answer_question``: answer a question about the portal from the knowledge base.

Thin on purpose: it reads the user's text (or the ``kb_entry_id`` entity that a
clarification button carries: ``/ask_question{"kb_entry_id":"<id>"}``), asks
:mod:`knowledge_base` for hits and a decision, and sends one of three messages:

- *answer*: the short answer, « Source : <guide> — <section> », and the section link in
  ``json_message`` (``links``) with a small decision record (``kb``);
- *clarify*: « Vouliez-vous dire… » with one button per candidate and the buttons of
  ``utter_kb_clarify`` (« Aucune de ces propositions », ``/ask_human``);
- *abstain*: says plainly that it does not know and offers the « support » form;
- *referral*: a question that another administration answers (impôts, Urssaf, CAF…) and
  that names nothing of the portal gets « je ne traite que les questions sur Chorus Portal
  Pro » with where to ask instead, before any search (:mod:`knowledge_base.referrals`).

rasa-sdk sends ``text`` and ``json_message`` as one bot message, but Rasa's REST channel
(``OutputChannel.send_response``) splits it: the webhook returns
``{"recipient_id": …, "text": …}`` (with ``"buttons"`` when there are some), then
``{"recipient_id": …, "custom": {"links": […], "kb": {…}}}`` right after it (the intent
Rasa detected comes first in the reply, from Rasa itself: :mod:`nlu_components.reply_intent`).
Every reply ends the turn itself with ``FollowupAction("action_listen")``
(:func:`turn_ends`), except while a form is open: the rules and stories always wait for the
user after this action (``tests/rasa/test_rasa_training_data.py`` checks it), and Rasa runs
a follow-up action without asking its policies, so it skips the prediction that would only
say ``action_listen`` (BENCHMARKS.md, « Speed, memory and scale-out », session 14).
The knowledge base is loaded once per process (lazily, under a lock) and follows the index
versions: a published entry's incremental update is loaded in the background and swapped in
without a restart (:mod:`knowledge_base.live`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SUPPORT_LINK, apologise, latest_text, never_raise, off_topic_guess
from actions.follow_up import decide_question, previous_question
from actions.support_offer import offer_buttons
from actions.texts import buttons, text
from knowledge_base.decision import Decision
from knowledge_base.documents import Unit
from knowledge_base.index import KnowledgeIndexError
from knowledge_base.live import LiveKnowledgeBase
from knowledge_base.referrals import Referral, find_referral
from knowledge_base.search import KnowledgeBase

logger = logging.getLogger(__name__)

CLARIFY_TEXT = text("utter_kb_clarify")
ABSTAIN_TEXT = text("utter_kb_abstain")
EMPTY_TEXT = text("utter_kb_empty")
# A « Vouliez-vous dire… » button whose entry left the knowledge base since it was shown
# (content re-indexed meanwhile).
GONE_TEXT = text("utter_kb_gone")


def turn_ends(tracker: Tracker) -> list[dict[str, Any]]:
    """What every run returns: the clicked entry forgotten, and the turn over. With a form
    open, Rasa's policies decide what comes next, since the form may have to ask again (no
    rule runs this action inside a form, but the policies may after a form rejects a
    message)."""
    forget = SlotSet("kb_entry_id", None)
    if tracker.active_loop_name:
        return [forget]
    return [forget, FollowupAction("action_listen")]


_live: LiveKnowledgeBase | None = None
_kb_lock = threading.Lock()
# Whether each loaded version is frozen out of the garbage collector's reach: set by the
# action server's entry point (:func:`serve_from_this_process`), not in tests or tools.
_freeze_heap = False


def serve_from_this_process() -> None:
    """Make this process's knowledge base freeze each version it loads
    (:func:`knowledge_base.live.freeze_heap`): the action server calls it before serving."""
    global _freeze_heap
    _freeze_heap = True


def live_knowledge_base() -> LiveKnowledgeBase:
    """The process-wide live knowledge base (its watcher starts with the first load)."""
    global _live
    if _live is None:
        with _kb_lock:
            if _live is None:
                _live = LiveKnowledgeBase(freeze=_freeze_heap)
    return _live


def get_knowledge_base() -> KnowledgeBase:
    """The current knowledge base, loaded on first use, then swapped in the background when
    a new index version is published.

    Raises:
        KnowledgeIndexError / FileNotFoundError: the index or the embedder is missing.
    """
    return live_knowledge_base().get()


def knowledge_base_is_stale(kb: KnowledgeBase) -> bool:
    """Whether ``kb`` lags the content with no update on its way."""
    return live_knowledge_base().is_stale(kb)


def reset_knowledge_base() -> None:
    """Forget the loaded knowledge base (after a re-index, or in tests)."""
    global _live
    with _kb_lock:
        if _live is not None:
            _live.stop()
        _live = None


def _title_of(kb: KnowledgeBase) -> Callable[[str], str | None]:
    def title(entry_id: str) -> str | None:
        unit = kb.unit(entry_id)
        return unit.title if unit is not None else None

    return title


def answer_text(unit: Unit) -> str:
    if unit.guide_title and unit.section_title:
        # One line break: Rasa's REST channel splits a text into bubbles on blank lines.
        source = text("utter_kb_source", guide=unit.guide_title, section=unit.section_title)
        return f"{unit.answer}\n{source}"
    return unit.answer


def answer_payload(unit: Unit, record: dict[str, Any]) -> dict[str, Any]:
    """The custom payload sent with an answer: its links, the decision record, and for an
    FAQ entry its own question (shown above the answer by the widget; a guide section or a
    rollout rule is named by its source line instead)."""
    payload: dict[str, Any] = {"links": answer_links(unit), "kb": record}
    if unit.kind == "faq" and unit.title:
        payload["question"] = unit.title
    return payload


def referral_text(referral: Referral) -> str:
    """« Je ne traite que les questions sur le portail… » with where to ask instead."""
    return text(
        "utter_kb_referral",
        subject=referral.subject,
        service=referral.service,
        where=referral.where,
    )


def refer(dispatcher: CollectingDispatcher, question: str) -> bool:
    """Send the referral for ``question`` when another administration answers it; whether
    one was sent."""
    referral = find_referral(question)
    if referral is None:
        return False
    dispatcher.utter_message(
        text=referral_text(referral),
        json_message={
            "links": [{"title": referral.title, "url": referral.url}],
            "kb": {"decision": "referral", "referral": referral.id},
        },
    )
    return True


def answer_links(unit: Unit) -> list[dict[str, str]]:
    if not unit.url:
        return []
    return [{"title": f"{unit.guide_title} — {unit.section_title}", "url": unit.url}]


def clarify_buttons(decision: Decision) -> list[dict[str, str]]:
    candidates = [
        {"title": hit.unit.title, "payload": f'/ask_question{{"kb_entry_id":"{hit.unit.id}"}}'}
        for hit in decision.candidates
    ]
    return [*candidates, *buttons("utter_kb_clarify")]


def send_decision(dispatcher: CollectingDispatcher, decision: Decision) -> None:
    """Send the answer, the « Vouliez-vous dire… » buttons or the abstention."""
    record = decision.to_record()
    if decision.action == "answer" and decision.best is not None:
        unit = decision.best.unit
        dispatcher.utter_message(text=answer_text(unit), json_message=answer_payload(unit, record))
    elif decision.action == "clarify":
        dispatcher.utter_message(
            text=CLARIFY_TEXT,
            buttons=clarify_buttons(decision),
            json_message={"kb": record},
        )
    else:
        dispatcher.utter_message(
            text=ABSTAIN_TEXT,
            buttons=offer_buttons(),
            json_message={"links": [SUPPORT_LINK], "kb": record},
        )


class ActionAnswerQuestion(Action):
    """Answer, clarify or abstain for the latest question (see the module docstring)."""

    def __init__(self, kb_provider: Callable[[], KnowledgeBase] = get_knowledge_base) -> None:
        self._kb_provider = kb_provider

    def name(self) -> str:
        return "action_answer_question"

    @never_raise
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            kb = await asyncio.to_thread(self._kb_provider)
        except (KnowledgeIndexError, FileNotFoundError) as exc:
            logger.error("kb.unavailable error=%s", exc)
            apologise(dispatcher)
            return turn_ends(tracker)
        if await asyncio.to_thread(knowledge_base_is_stale, kb):
            logger.error("kb.stale index_dir=%s: relancez `make index`", kb.settings.index_dir)
            apologise(dispatcher)
            return turn_ends(tracker)

        entry_id = next(tracker.get_latest_entity_values("kb_entry_id"), None)
        chosen = kb.unit(str(entry_id)) if entry_id else None
        if chosen is not None:
            record = {"decision": "answer", "selected": chosen.id}
            logger.info("kb.selected id=%s sender=%s", chosen.id, tracker.sender_id)
            dispatcher.utter_message(
                text=answer_text(chosen), json_message=answer_payload(chosen, record)
            )
            return turn_ends(tracker)

        if entry_id:
            logger.info("kb.selected_unknown id=%s sender=%s", entry_id, tracker.sender_id)
            dispatcher.utter_message(text=GONE_TEXT)
            return turn_ends(tracker)
        question = latest_text(tracker)
        if not question:
            dispatcher.utter_message(text=EMPTY_TEXT)
            return turn_ends(tracker)
        if refer(dispatcher, question):
            return turn_ends(tracker)
        previous = previous_question(tracker.events, _title_of(kb))
        decision = await asyncio.to_thread(
            decide_question,
            kb,
            question,
            previous,
            off_topic_guess(tracker),
            tracker.sender_id,
        )
        send_decision(dispatcher, decision)
        return turn_ends(tracker)

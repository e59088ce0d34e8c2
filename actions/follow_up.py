"""Follow-up questions: « et pour une ETI ? », « et combien de temps ? », « et si c'est
refusé ? » only make sense with the question answered just before.

Which message is a follow-up is a matter of wording
(:func:`knowledge_base.follow_up_wording.is_follow_up`). The retrieval then searches the
previous question and the follow-up together, the follow-up's words weighted
(:func:`contextual_query`), so that the answer stays on the previous subject
(:func:`decide_question`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from knowledge_base.decision import Decision, decide
from knowledge_base.follow_up_wording import is_follow_up
from knowledge_base.search import KnowledgeBase

logger = logging.getLogger(__name__)

CLARIFY_PAYLOAD = re.compile(r"^/ask_question(\{.*\})$")


def previous_question(events: list[dict[str, Any]], title_of: Callable[[str], str | None]) -> str:
    """The user's message before the latest one: its text, or the title of the entry a
    « Vouliez-vous dire… » button chose (``title_of``: entry id → title, ``None`` when the
    entry left the index). '' when none."""
    user_events = [e for e in events if e.get("event") == "user"]
    for event in reversed(user_events[:-1]):
        text = str(event.get("text") or "").strip()
        match = CLARIFY_PAYLOAD.match(text)
        if match:
            try:
                entry_id = str(json.loads(match.group(1)).get("kb_entry_id", ""))
            except (ValueError, AttributeError):
                entry_id = ""
            title = title_of(entry_id) if entry_id else None
            if title:
                return title
            continue
        if text and not text.startswith("/"):
            return text
    return ""


# In a follow-up's query its own words count this many times against the previous
# question's once: the previous question gives the subject, the follow-up what is asked
# now. On the development dialogues, twice answered one more follow-up right than once and
# kept the subject the follow-up alone loses (« et si je n'ai pas de smartphone ? »).
FOLLOW_UP_WEIGHT = 2


def contextual_query(text: str, previous: str) -> str:
    """The query to search: the follow-up with its previous question, or the text alone."""
    if previous and is_follow_up(text):
        return " ".join([text] * FOLLOW_UP_WEIGHT + [previous])
    return text


def decide_question(
    kb: KnowledgeBase, question: str, previous: str, off_topic: bool, sender: str = ""
) -> Decision:
    """Search and decide for ``question``, read with ``previous`` when it is a follow-up
    (:func:`contextual_query`). A follow-up is not off topic, whatever Rasa guessed for its
    few words (``off_topic`` counts for a question of its own only).

    A follow-up is decided in context only. Falling back on the follow-up alone when the
    search in context gave no answer was tried on 2026-12-07 (session 19): on the
    development dialogues (``eval/real_questions/dev_dialogues.jsonl``) it answered 6
    follow-ups, all with the fact; on the two held-out dialogue sets it answered 8, only 4
    with the fact (BENCHMARKS.md, « Real users' questions », session 19). An answer right
    half the time is worse than the clarification it replaced, so it was removed.
    """
    query = contextual_query(question, previous)
    if query == question:
        return decide(question, kb.search(question), kb.settings, off_topic=off_topic)
    logger.info("kb.follow_up sender=%s query=%r", sender, query)
    return decide(query, kb.search(query), kb.settings)

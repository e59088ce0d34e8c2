"""The wording of a follow-up question: « et pour une ETI ? », « et si c'est refusé ? ».

A message is a follow-up when it opens with one of :data:`FOLLOW_UP_OPENINGS` and is short
(at most :data:`MAX_FOLLOW_UP_WORDS` words): a long message that starts with « et » is a
question of its own. Text only, with no conversation: the retrieval action reads a
follow-up with the previous question (``actions/follow_up.py``), and the routing guard
sends a follow-up question to the retrieval rather than to the out-of-scope, feedback,
refusal or handoff replies (``nlu_components/routing_rules.py``).
"""

from __future__ import annotations

import re

from knowledge_base.text import fold_words as fold

MAX_FOLLOW_UP_WORDS = 10
FOLLOW_UP_OPENINGS = re.compile(
    r"^(?:et|mais|sinon|pareil|meme chose|meme question|dans ce cas|du coup|alors"
    r"|ok et|d accord et|et donc|et pour|et si|et sans|et avec|et apres|et quand)\b"
)


def is_follow_up(text: str) -> bool:
    words = re.findall(r"\w+", fold(text))
    return bool(FOLLOW_UP_OPENINGS.match(" ".join(words))) and len(words) <= MAX_FOLLOW_UP_WORDS

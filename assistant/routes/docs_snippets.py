"""The snippet of a search result: the passage of a section closest to the query's words.

Not a second search: the section is already chosen by the knowledge base's hybrid search;
this only picks which of its sentences to show, and marks the query's words in it. Words
are compared folded (no case, no accents) on their first :data:`STEM_CHARS` letters, so
« factures » marks « facture » and « facturation ».
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from knowledge_base import chunking
from knowledge_base.text import fold, simple_tokens, stop_words

SNIPPET_MAX_CHARS = 260
SNIPPET_SENTENCES = 2
STEM_CHARS = 6
MIN_TERM_CHARS = 3
_WORD = re.compile(r"\w+")


def _stem(word: str) -> str:
    return fold(word)[:STEM_CHARS]


def query_terms(query: str) -> frozenset[str]:
    """The stems of the query's content words (stop words and short words left out)."""
    stops = stop_words()
    return frozenset(
        _stem(word)
        for word in simple_tokens(query)
        if len(word) >= MIN_TERM_CHARS and word not in stops
    )


def _matches(sentence: str, terms: frozenset[str]) -> int:
    return len({_stem(w) for w in _WORD.findall(sentence)} & terms)


def _shorten(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;: ") + "…"


def highlight(text: str, terms: frozenset[str]) -> Markup:
    """``text`` escaped, with the words whose stem is in ``terms`` inside ``<mark>``."""
    out: list[str] = []
    position = 0
    for match in _WORD.finditer(text):
        if _stem(match.group(0)) not in terms:
            continue
        out.append(str(escape(text[position : match.start()])))
        out.append(str(Markup("<mark>{}</mark>").format(match.group(0))))
        position = match.end()
    out.append(str(escape(text[position:])))
    return Markup("".join(out))


def snippet(section_markdown: str, query: str, max_chars: int = SNIPPET_MAX_CHARS) -> Markup:
    """The sentences of a section that share most words with ``query`` (its first ones when
    none does), at most ``max_chars`` long, the query's words marked."""
    body = chunking.plain_text(section_markdown)
    parts = chunking.sentences(body)
    if not parts:
        return Markup("")
    terms = query_terms(query)
    scores = [_matches(sentence, terms) for sentence in parts]
    best = max(range(len(parts)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        best = 0
    text = _shorten(" ".join(parts[best : best + SNIPPET_SENTENCES]), max_chars)
    if best > 0:
        text = f"… {text}"
    return highlight(text, terms)

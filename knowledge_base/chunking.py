"""Turn Markdown section bodies into plain text, short extracts and sentence windows.

``WINDOW_SIZE`` sentences per window (with ``WINDOW_STRIDE`` overlap step) gives the
extra match texts of a guide section, so that a question about one detail of a long
section still meets a short, focused text. ``EXTRACT_MAX_CHARS`` bounds the answer shown
for a section: its first sentences, never cut inside a word.
"""

from __future__ import annotations

import re

WINDOW_SIZE = 3
WINDOW_STRIDE = 2
EXTRACT_MAX_SENTENCES = 3
EXTRACT_MAX_CHARS = 400
MIN_SHORTENED_CHARS = 150

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}.*$", re.MULTILINE)
_QUOTE = re.compile(r"^\s*>\s?", re.MULTILINE)
_HTML = re.compile(r"<[^>]+>")
# A sentence ends with . ! ? or … followed by a space and a capital, a digit or « .
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«A-ZÀ-ÖØ-Þ0-9])")
_ABBREV_END = re.compile(r"\b(?:n°|art|cf|ex|p|M|Mme|etc|env)\.$", re.IGNORECASE)


def plain_text(markdown: str) -> str:
    """Markdown → readable plain text: links, emphasis, list marks, tables and HTML removed.

    List items and table rows become sentences of their own (a period is added when the
    line has no final punctuation), so sentence splitting keeps working.
    """
    text = _HTML.sub(" ", markdown)
    text = _TABLE_RULE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _QUOTE.sub("", text)
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    lines: list[str] = []
    paragraph: list[str] = []
    for raw in text.splitlines():
        is_item = bool(_LIST_MARK.match(raw)) or raw.strip().startswith("|")
        line = _LIST_MARK.sub("", raw).strip().strip("|").replace("|", " ; ").strip()
        if not line:
            if paragraph:
                lines.append(" ".join(paragraph))
                paragraph = []
            continue
        if is_item:
            if paragraph:
                lines.append(" ".join(paragraph))
                paragraph = []
            lines.append(line if line[-1] in ".!?:;…" else line + ".")
        else:
            paragraph.append(line)
    if paragraph:
        lines.append(" ".join(paragraph))
    joined = " ".join(_finish(line) for line in lines)
    return re.sub(r"\s+", " ", joined).strip()


def _finish(line: str) -> str:
    if line.endswith(":"):
        return line
    return line if line[-1] in ".!?…;" else line + "."


def sentences(text: str) -> list[str]:
    """Split plain French text into sentences (abbreviations such as « n° » are kept whole)."""
    parts = _SENTENCE_END.split(text.strip())
    merged: list[str] = []
    for part in parts:
        if merged and _ABBREV_END.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return [p.strip() for p in merged if p.strip()]


def extract(
    text: str, max_sentences: int = EXTRACT_MAX_SENTENCES, max_chars: int = EXTRACT_MAX_CHARS
) -> str:
    """The first sentences of ``text`` that fit in ``max_chars`` (at least one, shortened
    on a word boundary with « … » when the first sentence alone is too long)."""
    chosen: list[str] = []
    for sentence in sentences(text)[:max_sentences]:
        candidate = " ".join([*chosen, sentence])
        if len(candidate) <= max_chars:
            chosen.append(sentence)
            continue
        # Room left for a meaningful part of the next sentence: shorten it.
        if max_chars - len(" ".join(chosen)) >= MIN_SHORTENED_CHARS:
            chosen = [_shorten(candidate, max_chars)]
        break
    if chosen:
        return " ".join(chosen)
    return _shorten(text.strip(), max_chars)


def _shorten(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;: ")
    return cut + "…"


def windows(text: str, size: int = WINDOW_SIZE, stride: int = WINDOW_STRIDE) -> list[str]:
    """Overlapping groups of ``size`` sentences, every ``stride`` sentences."""
    parts = sentences(text)
    if len(parts) <= size:
        return [" ".join(parts)] if parts else []
    out = [" ".join(parts[i : i + size]) for i in range(0, len(parts) - size + stride, stride)]
    return [w for w in dict.fromkeys(out) if w]

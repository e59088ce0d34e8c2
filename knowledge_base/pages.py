"""Render user guides as documentation pages: safe HTML, stable anchors, table of contents.

The rendering functions are pure: Markdown in, HTML and data out. Raw HTML written in a
guide is escaped, never passed through. Every heading ``## Titre {#ancre}`` becomes
``<h2 id="ancre">Titre</h2>``; the guide's own ``# Titre`` is left out of the body because
the page template shows the title as its single ``<h1>``.

:class:`GuideLibrary` keeps the guides of a folder parsed and rendered, and reloads them
when a file is added, removed or modified (compared by modification time and size).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from knowledge_base.content import DOCUMENTS_DIR, ContentError, Guide, parse_guide
from knowledge_base.french import french_date
from knowledge_base.text import strip_accents

logger = logging.getLogger(__name__)

SUMMARY_MAX_CHARS = 220

_ANCHOR_SUFFIX = re.compile(r"\s*\{#([a-z0-9]+(?:-[a-z0-9]+)*)\}\s*$")
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")
_NON_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class TocEntry:
    """One heading of a rendered guide, with the headings nested under it."""

    anchor: str
    title: str
    level: int
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class RenderedMarkdown:
    """Safe HTML of a Markdown body and its table of contents (top-level entries)."""

    html: str
    toc: tuple[TocEntry, ...]


@dataclass(frozen=True)
class GuidePage:
    """Everything a documentation page shows about one guide."""

    guide: Guide
    html: str
    toc: tuple[TocEntry, ...]
    summary: str
    updated_label: str


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by ``-`` (accents dropped): ``"Créer un compte"`` →
    ``"creer-un-compte"``."""
    ascii_text = strip_accents(text).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-")


def _anchor_rule(state: StateCore) -> None:
    """Core rule run between block and inline parsing: set heading ids, drop the title.

    The first level-1 heading (the guide title) is removed; any other level-1 heading is
    rendered as a level-2 one so that the page keeps a single ``<h1>``. A heading without
    ``{#anchor}`` gets one made from its text, unique inside the document.
    """
    tokens = state.tokens
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            match = _ANCHOR_SUFFIX.search(tokens[index + 1].content)
            if match:
                used.add(match.group(1))

    kept: list[Token] = []
    title_dropped = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type != "heading_open":
            kept.append(token)
            index += 1
            continue
        inline, close = tokens[index + 1], tokens[index + 2]
        if token.tag == "h1" and not title_dropped:
            title_dropped = True
            index += 3
            continue
        if token.tag == "h1":
            token.tag = close.tag = "h2"
        match = _ANCHOR_SUFFIX.search(inline.content)
        if match:
            anchor = match.group(1)
            inline.content = inline.content[: match.start()]
        else:
            anchor = _unique(slugify(inline.content) or "section", used)
        token.attrSet("id", anchor)
        kept.extend((token, inline, close))
        index += 3
    state.tokens = kept


def _unique(candidate: str, used: set[str]) -> str:
    anchor, counter = candidate, 2
    while anchor in used:
        anchor = f"{candidate}-{counter}"
        counter += 1
    used.add(anchor)
    return anchor


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.core.ruler.after("block", "heading_anchors", _anchor_rule)
    return md


_MD = _markdown()


def _inline_text(token: Token) -> str:
    """Plain text of an inline token (emphasis, links and code reduced to their text)."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return " ".join("".join(parts).split())


def _build_toc(headings: Sequence[tuple[int, str, str]]) -> tuple[TocEntry, ...]:
    """Nest ``(level, anchor, title)`` headings: each one goes under the last shallower one."""

    def build(start: int, parent_level: int) -> tuple[list[TocEntry], int]:
        entries: list[TocEntry] = []
        index = start
        while index < len(headings):
            level, anchor, title = headings[index]
            if level <= parent_level:
                break
            children, index = build(index + 1, level)
            entries.append(
                TocEntry(anchor=anchor, title=title, level=level, children=tuple(children))
            )
        return entries, index

    entries, _ = build(0, 0)
    return tuple(entries)


def render_markdown(body: str) -> RenderedMarkdown:
    """Render a guide body to safe HTML with heading ids, and list its headings.

    Raw HTML is escaped (shown as text), ``javascript:`` and similar links are not turned
    into links, and ``{#anchor}`` suffixes become ``id`` attributes.
    """
    tokens = _MD.parse(body)
    headings: list[tuple[int, str, str]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            headings.append(
                (int(token.tag[1]), str(token.attrGet("id")), _inline_text(tokens[index + 1]))
            )
    html = _MD.renderer.render(tokens, _MD.options, {})
    return RenderedMarkdown(html=html, toc=_build_toc(headings))


def plain_text(markdown: str) -> str:
    """The readable text of a Markdown snippet, blocks separated by one space."""
    blocks = [_inline_text(t) for t in _MD.parse(markdown) if t.type == "inline"]
    return " ".join(b for b in blocks if b)


def first_sentence(text: str, max_chars: int = SUMMARY_MAX_CHARS) -> str:
    """The first sentence of ``text``, cut on a word boundary with « … » when too long."""
    text = " ".join(text.split())
    match = _SENTENCE_END.search(text)
    sentence = text[: match.end()] if match else text
    if len(sentence) <= max_chars:
        return sentence
    cut = sentence[:max_chars].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}…"


def guide_summary(guide: Guide) -> str:
    """Short description of a guide: the first sentence of its first section."""
    for section in guide.sections:
        text = plain_text(section.text)
        if text:
            return first_sentence(text)
    return ""


def render_guide(guide: Guide) -> GuidePage:
    """The documentation page data of one guide."""
    rendered = render_markdown(guide.body)
    return GuidePage(
        guide=guide,
        html=rendered.html,
        toc=rendered.toc,
        summary=guide_summary(guide),
        updated_label=french_date(guide.updated),
    )


@dataclass
class _Snapshot:
    signature: tuple[tuple[str, int, int], ...] = ()
    guides: dict[str, Guide] = field(default_factory=dict)
    pages: dict[str, GuidePage] = field(default_factory=dict)


class GuideLibrary:
    """The guides of one folder, parsed once and re-read when the files change.

    A file that fails to parse is logged and skipped; if an earlier version of it parsed,
    that version is kept, so a bad edit never takes a published page offline.
    Thread-safe: the web app and the action server may call it from several threads.
    """

    def __init__(self, directory: Path = DOCUMENTS_DIR) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def __getstate__(self) -> dict[str, object]:
        """Picklable (the action server pickles its actions into its worker processes):
        the lock and the parsed snapshot are rebuilt on the other side."""
        return {"directory": self.directory}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["directory"])  # type: ignore[misc]

    def _signature(self) -> tuple[tuple[str, int, int], ...]:
        entries: list[tuple[str, int, int]] = []
        for path in sorted(self.directory.glob("*.md")):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(entries)

    def _current(self) -> _Snapshot:
        signature = self._signature()
        with self._lock:
            if self._snapshot is None or self._snapshot.signature != signature:
                self._snapshot = self._load(signature, self._snapshot)
            return self._snapshot

    def _load(
        self, signature: tuple[tuple[str, int, int], ...], previous: _Snapshot | None
    ) -> _Snapshot:
        guides: dict[str, Guide] = {}
        for name, _, _ in signature:
            path = self.directory / name
            try:
                guide = parse_guide(path)
            except (ContentError, OSError, ValueError) as exc:
                logger.error("docs.guide_invalid path=%s error=%s", path, exc)
                kept = previous.guides.get(path.stem) if previous else None
                if kept is None:
                    continue
                guide = kept
            guides[guide.slug] = guide
        logger.info("docs.guides_loaded directory=%s count=%d", self.directory, len(guides))
        return _Snapshot(signature=signature, guides=guides)

    def reload(self) -> None:
        """Forget everything cached; the next call reads the folder again."""
        with self._lock:
            self._snapshot = None

    def guides(self) -> list[Guide]:
        """All guides, sorted by slug."""
        snapshot = self._current()
        return [snapshot.guides[slug] for slug in sorted(snapshot.guides)]

    def get(self, slug: str) -> Guide | None:
        return self._current().guides.get(slug)

    def page(self, slug: str) -> GuidePage | None:
        """The rendered page of guide ``slug`` (rendered once per file version)."""
        return self._page(self._current(), slug)

    def pages(self) -> list[GuidePage]:
        """The rendered pages of all guides, sorted by slug."""
        snapshot = self._current()
        return [page for slug in sorted(snapshot.guides) if (page := self._page(snapshot, slug))]

    def _page(self, snapshot: _Snapshot, slug: str) -> GuidePage | None:
        guide = snapshot.guides.get(slug)
        if guide is None:
            return None
        with self._lock:
            page = snapshot.pages.get(slug)
            if page is None:
                page = snapshot.pages[slug] = render_guide(guide)
            return page

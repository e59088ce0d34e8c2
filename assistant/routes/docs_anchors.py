"""A link to each heading of a guide (« copy the link »), and the side menu's entries.

The guide's HTML comes from :func:`knowledge_base.pages.render_markdown`, which writes every
heading as ``<hN id="anchor">…</hN>`` and escapes the guide's raw HTML. Each heading gets,
right after it, a real link to its own anchor, named for screen readers « Lien vers la
section « … » »: without JavaScript it is a plain deep link; ``/static/js/docs.js`` adds the
copy to the clipboard. The link is a sibling of the heading, not inside it, so that the
heading's accessible name stays its title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from markupsafe import Markup

from knowledge_base.pages import TocEntry

_HEADING = re.compile(r'<h([2-4]) id="([a-z0-9-]+)">(.*?)</h\1>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def flatten(entries: Iterable[TocEntry]) -> Iterator[TocEntry]:
    """Every entry of a table of contents, depth first, in document order."""
    for entry in entries:
        yield entry
        yield from flatten(entry.children)


def anchor_label(title: str) -> str:
    return f"Lien vers la section « {title} »"


def with_heading_links(html: str, toc: Iterable[TocEntry]) -> Markup:
    """``html`` with a link to its own anchor after every ``<h2>``–``<h4>`` heading.

    ``html`` must be the escaped output of ``render_markdown``; the titles of ``toc`` name
    the links (the heading's text, tags removed, when an anchor is not in it).
    """
    titles = {entry.anchor: entry.title for entry in flatten(toc)}

    def add_link(match: re.Match[str]) -> str:
        anchor = match.group(2)
        title = titles.get(anchor) or Markup(_TAG.sub("", match.group(3))).unescape()
        link = Markup(
            '<a class="docs-anchor" href="#{anchor}" data-docs-copy-link>'
            '<span class="fr-sr-only">{label}</span></a>'
        ).format(anchor=anchor, label=anchor_label(title))
        return Markup('<div class="docs-heading">{heading}{link}</div>').format(
            heading=Markup(match.group(0)), link=link
        )

    # Safe: the input is markdown-it's escaped output (knowledge_base.pages), and every
    # inserted value goes through Markup.format, which escapes it.
    return Markup(_HEADING.sub(add_link, html))

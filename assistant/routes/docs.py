"""Documentation pages: ``GET /docs`` (the guides) and ``GET /docs/{slug}`` (one guide).

The guides are read from ``knowledge_base/documents`` once and re-read when a file
changes (:class:`knowledge_base.pages.GuideLibrary`). Tests and the app may swap the
library through the :func:`get_guide_library` dependency.

FastAPI serves its own Swagger UI at ``/docs`` by default: the app that includes this
router must be created with ``docs_url=None`` (or another ``docs_url``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from assistant.templating import templates
from knowledge_base.content import Guide
from knowledge_base.french import french_date
from knowledge_base.pages import GuideLibrary, GuidePage
from knowledge_base.text import fold

router = APIRouter(tags=["documentation"])

SUPPORT_URL = "/support"
DOCS_URL = "/docs"
_SOURCE = re.compile(r"^(https?://\S+)\s*(?:\((.*)\))?\s*$")

_library = GuideLibrary()


def get_guide_library() -> GuideLibrary:
    """The process-wide guide library (override in tests with ``dependency_overrides``)."""
    return _library


LibraryDep = Annotated[GuideLibrary, Depends(get_guide_library)]


@dataclass(frozen=True)
class SourceItem:
    """One source of a guide: a label, and a link when the source is a web address."""

    label: str
    url: str | None = None


def source_item(source: str) -> SourceItem:
    """``"https://… (description)"`` → link labelled by its description; other text as is."""
    match = _SOURCE.match(source.strip())
    if not match:
        return SourceItem(label=source.strip())
    url, description = match.group(1), (match.group(2) or "").strip()
    label = description[:1].upper() + description[1:] if description else url
    return SourceItem(label=label, url=url)


@dataclass(frozen=True)
class GuideCard:
    """A guide as listed on the documentation index."""

    title: str
    summary: str
    version: str
    updated_iso: str
    updated_label: str
    url: str


def _card(page: GuidePage) -> GuideCard:
    guide: Guide = page.guide
    return GuideCard(
        title=guide.title,
        summary=page.summary,
        version=guide.version,
        updated_iso=guide.updated.isoformat(),
        updated_label=french_date(guide.updated),
        url=guide.url,
    )


def _title_key(card: GuideCard) -> str:
    return fold(card.title)


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs_index(request: Request, library: LibraryDep) -> HTMLResponse:
    """The list of user guides, by title."""
    cards = sorted((_card(p) for p in library.pages()), key=_title_key)
    return templates.TemplateResponse(
        request,
        "docs/index.html",
        {"guides": cards, "support_url": SUPPORT_URL},
    )


@router.get("/docs/{slug}", response_class=HTMLResponse, include_in_schema=False)
def docs_guide(request: Request, slug: str, library: LibraryDep) -> HTMLResponse:
    """One guide: metadata, sources, table of contents and sections with their anchors."""
    page = library.page(slug)
    if page is None:
        return templates.TemplateResponse(
            request,
            "docs/not_found.html",
            {"docs_url": DOCS_URL, "support_url": SUPPORT_URL},
            status_code=404,
        )
    guide = page.guide
    return templates.TemplateResponse(
        request,
        "docs/guide.html",
        {
            "guide": guide,
            "updated_iso": guide.updated.isoformat(),
            "updated_label": page.updated_label,
            "sources": [source_item(s) for s in guide.sources],
            "toc": page.toc,
            # Safe: markdown-it escapes raw HTML of the guide (knowledge_base.pages).
            "body": Markup(page.html),
            "docs_url": DOCS_URL,
            "support_url": SUPPORT_URL,
        },
    )

"""Documentation pages: ``GET /docs`` (the guides, by profile), ``GET /docs/recherche``
(search, :mod:`assistant.routes.docs_search`) and ``GET /docs/{slug}`` (one guide).

The guides come from the shared library (:mod:`assistant.routes.docs_library`); their
profiles and reading order from :mod:`assistant.routes.docs_nav`; their sources become
titled links in :mod:`assistant.routes.docs_sources`.

FastAPI serves its own Swagger UI at ``/docs`` by default: the app that includes this
router must be created with ``docs_url=None`` (or another ``docs_url``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from assistant.routes import docs_search
from assistant.routes.docs_anchors import with_heading_links
from assistant.routes.docs_library import (
    DOCS_URL,
    SEARCH_URL,
    SUPPORT_URL,
    LibraryDep,
    get_guide_library,
)
from assistant.routes.docs_nav import (
    LONG_GUIDE_MIN_SECTIONS,
    ProfileGroup,
    group_by_profile,
    neighbours,
    profiles_of,
)
from assistant.routes.docs_sources import SourceItem, source_item
from assistant.templating import templates
from knowledge_base.content import Guide
from knowledge_base.french import french_date
from knowledge_base.pages import GuideLibrary

__all__ = ["SourceItem", "get_guide_library", "router", "source_item"]

router = APIRouter(tags=["documentation"])
# Before /docs/{slug}, which would otherwise take « recherche » for a guide.
router.include_router(docs_search.router)


@dataclass(frozen=True)
class GuideCard:
    """A guide as listed on the documentation index."""

    title: str
    summary: str
    version: str
    updated_iso: str
    updated_label: str
    url: str


def _card(library: GuideLibrary, guide: Guide) -> GuideCard:
    page = library.page(guide.slug)
    return GuideCard(
        title=guide.title,
        summary=page.summary if page is not None else "",
        version=guide.version,
        updated_iso=guide.updated.isoformat(),
        updated_label=french_date(guide.updated),
        url=guide.url,
    )


@dataclass(frozen=True)
class CardGroup:
    """A profile's section of the index: its title, description and guide cards."""

    anchor: str
    title: str
    description: str
    cards: tuple[GuideCard, ...]


def _card_group(library: GuideLibrary, group: ProfileGroup) -> CardGroup:
    return CardGroup(
        anchor=group.anchor,
        title=group.profile.title,
        description=group.profile.description,
        cards=tuple(_card(library, guide) for guide in group.guides),
    )


def _common() -> dict[str, str]:
    return {"docs_url": DOCS_URL, "search_url": SEARCH_URL, "support_url": SUPPORT_URL}


@router.get(DOCS_URL, response_class=HTMLResponse, include_in_schema=False)
def docs_index(request: Request, library: LibraryDep) -> HTMLResponse:
    """The search box and the user guides, grouped by the profiles they serve."""
    groups = [_card_group(library, group) for group in group_by_profile(library.guides())]
    return templates.TemplateResponse(request, "docs/index.html", {"groups": groups, **_common()})


@router.get(DOCS_URL + "/{slug}", response_class=HTMLResponse, include_in_schema=False)
def docs_guide(request: Request, slug: str, library: LibraryDep) -> HTMLResponse:
    """One guide: metadata, table of contents (side menu when long), sections with their
    anchor links, sources, and the previous and next guides."""
    page = library.page(slug)
    if page is None:
        return templates.TemplateResponse(
            request, "docs/not_found.html", _common(), status_code=404
        )
    guide = page.guide
    return templates.TemplateResponse(
        request,
        "docs/guide.html",
        {
            "guide": guide,
            "updated_iso": guide.updated.isoformat(),
            "updated_label": page.updated_label,
            "profiles": profiles_of(guide.slug),
            "sources": [source_item(s) for s in guide.sources],
            "toc": page.toc,
            "side_menu": len(page.toc) >= LONG_GUIDE_MIN_SECTIONS,
            # Safe: markdown-it escapes raw HTML of the guide (knowledge_base.pages), and
            # the anchor links are built with Markup.format (docs_anchors).
            "body": with_heading_links(page.html, page.toc),
            "neighbours": neighbours(library.guides(), guide.slug),
            **_common(),
        },
    )

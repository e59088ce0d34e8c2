"""Search in the documentation: ``GET /docs/recherche?q=…``, a plain GET form.

The search is the assistant's own (:class:`knowledge_base.search.KnowledgeBase`: dense,
BM25 and entry classifier fused), run over the whole knowledge base; every hit is brought
back to the guide section it cites (an FAQ entry or a rollout rule cites one too), so the
results are sections, best first, each once, with a snippet and a deep link to its heading.

The web app does not load the index at start: the first search loads it once, in its
worker thread (other searches wait for it), and the process keeps it: index files, the
embedder, and spaCy's lemmatiser through one warm-up search, about +0.9 GiB of resident
memory and 20–40 s on 2 busy cores, logged as ``docs.search.loaded``. A load that fails
is retried no sooner than :data:`RETRY_AFTER_S` later; meanwhile the page says
« recherche indisponible » (HTTP 503), never a server error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from assistant.routes.docs_library import DOCS_URL, SEARCH_URL, SUPPORT_URL, LibraryDep
from assistant.routes.docs_snippets import snippet
from assistant.templating import templates
from knowledge_base.pages import GuideLibrary
from knowledge_base.search import Hit, KnowledgeBase

logger = logging.getLogger(__name__)

router = APIRouter(tags=["documentation"])

QUERY_MAX_CHARS = 200
MAX_RESULTS = 10
# Hits read from the search before they are brought back to sections (several FAQ entries
# often cite one section).
SEARCH_DEPTH = 40
# Below this fused score a hit is noise, not a result. The assistant's own floor to offer
# « Vouliez-vous dire… » is KB_CLARIFY_MIN_SCORE (0.20); a reader scanning a list of
# results can take weaker matches, so the list stops lower.
MIN_SCORE = 0.12
RETRY_AFTER_S = 60.0
WARM_UP_QUERY = "déposer une facture"

EMPTY_MESSAGE = "Saisissez un ou plusieurs mots pour rechercher dans la documentation."
TOO_LONG_MESSAGE = (
    f"Votre recherche est trop longue : {QUERY_MAX_CHARS} caractères au plus. "
    "Gardez les mots les plus importants de votre question."
)
NO_WORD_MESSAGE = (
    "Votre recherche ne contient aucun mot. Saisissez des mots en lettres ou en chiffres, "
    "par exemple « mot de passe oublié »."
)
UNAVAILABLE_MESSAGE = (
    "La recherche dans la documentation est momentanément indisponible. Vous pouvez "
    "parcourir la liste des guides, poser votre question à Claude, l'assistant virtuel, "
    "ou écrire à nos équipes par le formulaire « support »."
)


def _rss_mb() -> float | None:
    """Resident memory of this process in MiB (Linux), to log what the index costs."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    import resource

    return pages * resource.getpagesize() / 2**20


class SearchIndex:
    """The knowledge base of this process, loaded on first use, once (thread-safe)."""

    def __init__(
        self,
        loader: Callable[[], KnowledgeBase] = KnowledgeBase.load,
        retry_after_s: float = RETRY_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader = loader
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._kb: KnowledgeBase | None = None
        self._failed_at: float | None = None

    def get(self) -> KnowledgeBase | None:
        """The loaded knowledge base, or ``None`` when it cannot be loaded (logged)."""
        with self._lock:
            if self._kb is not None:
                return self._kb
            now = self._clock()
            if self._failed_at is not None and now - self._failed_at < self._retry_after_s:
                return None
            before = _rss_mb()
            try:
                kb = self._loader()
                kb.search(WARM_UP_QUERY)  # loads the lemmatiser now, not at the first search
                self._kb = kb
            except Exception:  # a missing, stale or corrupt index must not fail the page
                logger.exception("docs.search.unavailable")
                self._failed_at = now
                return None
            after = _rss_mb()
            logger.info(
                "docs.search.loaded seconds=%.1f rss_mb_before=%s rss_mb_after=%s",
                self._clock() - now,
                f"{before:.0f}" if before is not None else "?",
                f"{after:.0f}" if after is not None else "?",
            )
            return self._kb


_index = SearchIndex()


def get_search_index() -> SearchIndex:
    """The process-wide search index (override in tests with ``dependency_overrides``)."""
    return _index


IndexDep = Annotated[SearchIndex, Depends(get_search_index)]


@dataclass(frozen=True)
class SearchResult:
    """One section found: where it is, and the passage that matched."""

    guide_title: str
    section_title: str
    heading_path: tuple[str, ...]
    url: str
    snippet: Markup


def clean_query(raw: str) -> str:
    """The query as searched: control characters dropped, spaces collapsed."""
    printable = "".join(ch if ch.isprintable() else " " for ch in raw)
    return " ".join(printable.split())


def query_problem(query: str) -> str | None:
    """Why ``query`` cannot be searched (a French sentence), or ``None``."""
    if not query:
        return EMPTY_MESSAGE
    if len(query) > QUERY_MAX_CHARS:
        return TOO_LONG_MESSAGE
    if not any(ch.isalnum() for ch in query):
        return NO_WORD_MESSAGE
    return None


def section_results(
    hits: Sequence[Hit], library: GuideLibrary, query: str, limit: int = MAX_RESULTS
) -> list[SearchResult]:
    """The sections the hits cite, best first, each once, that the guides still have."""
    results: list[SearchResult] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.fused < MIN_SCORE or len(results) >= limit:
            break
        key = hit.unit.source
        if not key or key in seen:
            continue
        slug, _, anchor = key.partition("#")
        guide = library.get(slug)
        section = guide.section(anchor) if guide is not None else None
        if guide is None or section is None:
            continue
        seen.add(key)
        results.append(
            SearchResult(
                guide_title=guide.title,
                section_title=section.title,
                heading_path=section.heading_path[1:-1],
                url=section.url,
                snippet=snippet(section.text, query),
            )
        )
    return results


def _search(index: SearchIndex, library: GuideLibrary, query: str) -> list[SearchResult] | None:
    """The results, or ``None`` when the search is unavailable."""
    kb = index.get()
    if kb is None:
        return None
    try:
        hits = kb.search(query, top_k=SEARCH_DEPTH)
    except Exception:  # the page says « indisponible » rather than fail
        logger.exception("docs.search.failed")
        return None
    return section_results(hits, library, query)


@router.get(SEARCH_URL, response_class=HTMLResponse, include_in_schema=False)
def docs_search(
    request: Request,
    library: LibraryDep,
    index: IndexDep,
    q: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The search form and, for a query, the sections found (or why there are none)."""
    query = clean_query(q or "")
    # No ``q`` at all: the bare form. A ``q`` sent empty: say what to type.
    problem = query_problem(query) if q is not None else None
    results: list[SearchResult] | None = []
    status = 200
    if q is not None and problem is None:
        results = _search(index, library, query)
        if results is None:
            problem, status = UNAVAILABLE_MESSAGE, 503
    elif query:
        status = 422
    context = {
        "query": query[:QUERY_MAX_CHARS],
        "searched": q is not None and problem is None,
        "problem": problem,
        "unavailable": status == 503,
        "results": results or [],
        "max_chars": QUERY_MAX_CHARS,
        "docs_url": DOCS_URL,
        "search_url": SEARCH_URL,
        "support_url": SUPPORT_URL,
    }
    return templates.TemplateResponse(request, "docs/search.html", context, status_code=status)

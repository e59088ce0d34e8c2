"""Tests of the documentation search (/docs/recherche): query checks, results brought back to
guide sections, snippets, the lazily loaded index and its failures.

The hybrid search itself is the knowledge base's (tested in tests/knowledge_base); here a
scripted stand-in returns chosen hits over the fixture guides, and one test runs the real
index and embedder.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import Markup

from assistant.routes.docs import router
from assistant.routes.docs_library import get_guide_library
from assistant.routes.docs_search import (
    EMPTY_MESSAGE,
    MAX_RESULTS,
    MIN_SCORE,
    NO_WORD_MESSAGE,
    QUERY_MAX_CHARS,
    TOO_LONG_MESSAGE,
    UNAVAILABLE_MESSAGE,
    WARM_UP_QUERY,
    SearchIndex,
    clean_query,
    get_search_index,
    query_problem,
    section_results,
)
from assistant.routes.docs_snippets import highlight, query_terms, snippet
from knowledge_base.documents import Unit
from knowledge_base.pages import GuideLibrary
from knowledge_base.search import Hit, KnowledgeBase

FIXTURES = Path(__file__).parents[1] / "knowledge_base" / "fixtures" / "pages"


def _hit(unit_id: str, source: str, fused: float, kind: str = "section") -> Hit:
    unit = Unit(id=unit_id, kind=kind, title=unit_id, answer="", match_texts=(), source=source)
    return Hit(unit=unit, dense=fused, lexical=fused, fused=fused, rank=0)


class ScriptedKnowledgeBase:
    """Stands in for KnowledgeBase: returns the hits given, records the queries (the
    loader's warm-up search apart)."""

    def __init__(self, hits: list[Hit] | Exception) -> None:
        self.hits = hits
        self.queries: list[tuple[str, int | None]] = []
        self.warmed_up = False

    def search(self, query: str, top_k: int | None = None) -> list[Hit]:
        if not self.warmed_up:
            assert (query, top_k) == (WARM_UP_QUERY, None)
            self.warmed_up = True
            return []
        self.queries.append((query, top_k))
        if isinstance(self.hits, Exception):
            raise self.hits
        return self.hits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def library(tmp_path: Path) -> GuideLibrary:
    target = tmp_path / "documents"
    shutil.copytree(FIXTURES, target)
    return GuideLibrary(target)


HITS = [
    _hit("faq-mdp", "comptes#mot-de-passe-oublie", 0.61, kind="faq"),
    _hit("comptes#mot-de-passe-oublie", "comptes#mot-de-passe-oublie", 0.55),
    _hit("faq-orpheline", "", 0.50, kind="faq"),
    _hit("ancienne-section", "comptes#section-disparue", 0.45),
    _hit("memoires-justice#qui-depose", "memoires-justice#qui-depose", 0.30),
    _hit("remboursement-tic#beneficiaires", "remboursement-tic#beneficiaires", MIN_SCORE - 0.01),
]


def _app(library: GuideLibrary, index: SearchIndex) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router)
    app.dependency_overrides[get_guide_library] = lambda: library
    app.dependency_overrides[get_search_index] = lambda: index
    app.state.widget_allowed_domains = ""
    return app


@pytest.fixture()
def kb() -> ScriptedKnowledgeBase:
    return ScriptedKnowledgeBase(list(HITS))


@pytest.fixture()
def client(library: GuideLibrary, kb: ScriptedKnowledgeBase) -> Iterator[TestClient]:
    index = SearchIndex(loader=lambda: kb)  # type: ignore[arg-type,return-value]
    with TestClient(_app(library, index)) as test_client:
        yield test_client


# ---- query checks ---------------------------------------------------------------------------


def test_clean_query_drops_control_characters_and_extra_spaces() -> None:
    assert clean_query("  mot\tde\x00passe \n oublié ") == "mot de passe oublié"


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("", EMPTY_MESSAGE),
        ("x" * (QUERY_MAX_CHARS + 1), TOO_LONG_MESSAGE),
        ("?!… — «»", NO_WORD_MESSAGE),
        ("x" * QUERY_MAX_CHARS, None),
        ("TIC", None),
        ("2026", None),
    ],
)
def test_query_problem(query: str, problem: str | None) -> None:
    assert query_problem(query) == problem


# ---- hits → sections ------------------------------------------------------------------------


def test_section_results_one_per_section_best_first(library: GuideLibrary) -> None:
    results = section_results(HITS, library, "mot de passe oublié")
    assert [r.url for r in results] == [
        "/docs/comptes#mot-de-passe-oublie",  # the FAQ entry and its section: once
        "/docs/memoires-justice#qui-depose",
    ]  # no source, a section gone from the guide and a hit under MIN_SCORE: left out
    first = results[0]
    assert (first.guide_title, first.section_title) == (
        "Créer et gérer son compte",
        "Mot de passe oublié",
    )
    assert first.heading_path == ()
    assert "<mark>Mot</mark> de <mark>passe</mark> <mark>oublié</mark>" in first.snippet


def test_section_results_nested_section_shows_its_parents(library: GuideLibrary) -> None:
    hits = [_hit("x", "comptes#compte-sans-siret-pieces", 0.9)]
    (result,) = section_results(hits, library, "pièces")
    assert result.heading_path == ("Créer un compte sans SIRET",)
    assert result.url == "/docs/comptes#compte-sans-siret-pieces"


def test_section_results_stop_at_the_limit(library: GuideLibrary) -> None:
    anchors = ["compte-sans-siret", "compte-sans-siret-pieces", "mot-de-passe-oublie"]
    hits = [_hit(a, f"comptes#{a}", 0.9 - i / 100) for i, a in enumerate(anchors)]
    assert len(section_results(hits, library, "compte", limit=2)) == 2
    assert len(section_results(hits * 5, library, "compte")) == 3 <= MAX_RESULTS


# ---- snippets --------------------------------------------------------------------------------


def test_query_terms_are_stems_of_content_words() -> None:
    assert query_terms("Comment déposer mes factures ?") == {"depose", "factur"}


def test_snippet_shows_the_sentences_sharing_the_query_words() -> None:
    text = (
        "Le portail est ouvert à tous. Il est gratuit. Pour changer de mot de passe, "
        "ouvrez « Mon compte ». La page affiche vos formulaires."
    )
    shown = snippet(text, "changer mot de passe")
    assert shown.startswith("… Pour <mark>changer</mark> de <mark>mot</mark> de <mark>passe</mark>")
    assert "La page affiche vos formulaires." in shown
    assert "gratuit" not in shown


def test_snippet_without_a_shared_word_shows_the_start_and_is_cut() -> None:
    text = "Première phrase du guide. " + "mot " * 200
    shown = snippet(text, "zzz", max_chars=80)
    assert shown.startswith("Première phrase du guide.")
    assert len(shown) <= 80 and shown.endswith("…")


def test_highlight_escapes_the_text() -> None:
    marked = highlight("<b>facture</b> & avoir", frozenset({"factur"}))
    assert isinstance(marked, Markup)
    assert str(marked) == "&lt;b&gt;<mark>facture</mark>&lt;/b&gt; &amp; avoir"


# ---- the page ---------------------------------------------------------------------------------


def test_search_page_without_query_is_the_bare_form(client: TestClient, kb: Any) -> None:
    response = client.get("/docs/recherche")
    assert response.status_code == 200
    assert "<h1>Rechercher dans la documentation</h1>" in response.text
    assert "fr-alert" not in response.text
    assert kb.queries == []


def test_search_page_lists_sections_with_links_and_snippets(client: TestClient, kb: Any) -> None:
    response = client.get("/docs/recherche", params={"q": "mot de passe oublié"})
    assert response.status_code == 200
    html = response.text
    assert "<title>2 résultats pour « mot de passe oublié » — Recherche" in html
    assert "2 résultats pour « mot de passe oublié »</h2>" in html
    assert (
        '<h3 class="docs-result__title"><a href="/docs/comptes#mot-de-passe-oublie">'
        "Mot de passe oublié</a></h3>"
    ) in html
    assert "Créer et gérer son compte</p>" in html
    assert "<mark>oublié</mark>" in html
    assert 'value="mot de passe oublié"' in html, "the query stays in the box"
    assert kb.queries == [("mot de passe oublié", 40)]


def test_search_page_no_result(library: GuideLibrary) -> None:
    index = SearchIndex(loader=lambda: ScriptedKnowledgeBase([]))  # type: ignore[arg-type,return-value]
    response = TestClient(_app(library, index)).get("/docs/recherche", params={"q": "qsdfgh"})
    assert response.status_code == 200
    assert "Aucun résultat pour « qsdfgh »" in response.text
    assert 'href="/docs">parcourez les guides par profil</a>' in response.text


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 200, EMPTY_MESSAGE),
        ("   ", 200, EMPTY_MESSAGE),
        ("!!! ???", 422, NO_WORD_MESSAGE),
        ("facture " * 40, 422, TOO_LONG_MESSAGE),
    ],
)
def test_search_page_refused_queries_say_why_in_french(
    client: TestClient, kb: Any, query: str, status: int, message: str
) -> None:
    response = client.get("/docs/recherche", params={"q": query})
    assert response.status_code == status
    html = response.text
    assert message.replace("'", "&#39;") in html
    assert "<title>Erreur : Recherche — Documentation" in html
    assert kb.queries == [], "nothing is searched"


def test_search_page_escapes_the_query(client: TestClient) -> None:
    html = client.get("/docs/recherche", params={"q": '<script>alert("x")</script> compte'}).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; compte" in html


def test_search_unavailable_index_is_a_french_503(library: GuideLibrary) -> None:
    calls: list[int] = []

    def broken() -> KnowledgeBase:
        calls.append(1)
        raise FileNotFoundError("var/index/manifest.json")

    clock = Clock()
    client = TestClient(_app(library, SearchIndex(loader=broken, clock=clock)))
    first = client.get("/docs/recherche", params={"q": "compte"})
    assert first.status_code == 503
    assert UNAVAILABLE_MESSAGE.replace("'", "&#39;") in first.text
    assert 'href="/docs">Parcourir la liste des guides</a>' in first.text
    assert client.get("/docs/recherche", params={"q": "compte"}).status_code == 503
    assert calls == [1], "a failed load is not retried on every request"
    clock.now += 61
    client.get("/docs/recherche", params={"q": "compte"})
    assert calls == [1, 1], "retried after RETRY_AFTER_S"


def test_search_failing_search_is_a_french_503(library: GuideLibrary) -> None:
    kb = ScriptedKnowledgeBase(RuntimeError("faiss"))
    index = SearchIndex(loader=lambda: kb)  # type: ignore[arg-type,return-value]
    response = TestClient(_app(library, index)).get("/docs/recherche", params={"q": "compte"})
    assert response.status_code == 503
    assert "momentanément indisponible" in response.text


def test_search_index_is_loaded_once_for_concurrent_searches() -> None:
    loads: list[int] = []
    kb = ScriptedKnowledgeBase([])

    def slow_load() -> Any:
        loads.append(1)
        time.sleep(0.05)
        return kb

    index = SearchIndex(loader=slow_load)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(index.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [1]
    assert got == [kb] * 8
    assert kb.warmed_up, "the loader's warm-up search ran (spaCy loaded with the index)"


# ---- the real index -------------------------------------------------------------------------


def test_search_real_index_finds_the_password_section() -> None:
    """The assistant's index and embedder (``make index``): a user's words reach the section
    of the guide that answers them. Fails without the index, like the quality tests."""
    kb = KnowledgeBase.load()
    results = section_results(
        kb.search("j'ai oublié mon mot de passe", top_k=40), GuideLibrary(), "mot de passe"
    )
    assert results, "no result"
    assert results[0].url in {
        "/docs/comptes#mot-de-passe-oublie",
        "/docs/guide-comptes-structures#probleme-connexion",
    }, [r.url for r in results]

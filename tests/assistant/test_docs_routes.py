"""Tests of the documentation pages (/docs, /docs/{slug}) on a small app with fixture guides."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.routes.docs import SourceItem, get_guide_library, router, source_item
from knowledge_base.content import DOCUMENTS_DIR
from knowledge_base.pages import GuideLibrary

FIXTURES = Path(__file__).parents[1] / "knowledge_base" / "fixtures" / "pages"
VOID_ELEMENTS = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "area", "col"}


class _PageParser(HTMLParser):
    """Collects what the accessibility checks need and checks that tags are balanced."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(str(attributes["href"]))
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


def _parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture()
def guides_dir(tmp_path: Path) -> Path:
    target = tmp_path / "documents"
    shutil.copytree(FIXTURES, target)
    return target


@pytest.fixture()
def client(guides_dir: Path) -> Iterator[TestClient]:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router)
    library = GuideLibrary(guides_dir)
    app.dependency_overrides[get_guide_library] = lambda: library
    with TestClient(app) as test_client:
        yield test_client


def test_get_guide_library_default_reads_documents_folder() -> None:
    library = get_guide_library()
    assert isinstance(library, GuideLibrary)
    assert library.directory == DOCUMENTS_DIR
    assert get_guide_library() is library


def test_source_item_url_with_description() -> None:
    assert source_item("https://example.org/a?b=1 (page d'aide)") == SourceItem(
        label="Page d'aide", url="https://example.org/a?b=1"
    )


def test_source_item_bare_url_and_plain_text() -> None:
    assert source_item("https://example.org/x") == SourceItem(
        label="https://example.org/x", url="https://example.org/x"
    )
    assert source_item("Annonce de la DDFiP") == SourceItem(label="Annonce de la DDFiP")
    assert source_item("javascript:alert(1) (piège)").url is None


def test_docs_index_lists_guides(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<a href="/docs/comptes">Créer et gérer son compte</a>' in html
    assert '<a href="/docs/memoires-justice">Déposer un mémoire de frais de justice</a>' in html
    assert "Un particulier sans numéro SIRET peut ouvrir un compte." in html
    assert "Version 2.1" in html
    assert "1er décembre 2026" in html
    assert '<time datetime="2026-08-15">15 août 2026</time>' in html


def test_docs_index_sorts_guides_by_title(client: TestClient) -> None:
    html = client.get("/docs").text
    positions = [
        html.index(title)
        for title in (
            "Créer et gérer son compte",
            "Demander le remboursement de la TIC/TICGN",
            "Déposer un mémoire de frais de justice",
        )
    ]
    assert positions == sorted(positions)


def test_docs_index_without_guides(tmp_path: Path) -> None:
    app = FastAPI(docs_url=None, redoc_url=None)
    app.include_router(router)
    empty = GuideLibrary(tmp_path)
    app.dependency_overrides[get_guide_library] = lambda: empty
    response = TestClient(app).get("/docs")
    assert response.status_code == 200
    assert "Aucun guide n'est disponible pour le moment." in response.text


def test_docs_guide_shows_metadata(client: TestClient) -> None:
    response = client.get("/docs/memoires-justice")
    assert response.status_code == 200
    html = response.text
    assert '<h1 id="titre-guide">Déposer un mémoire de frais de justice</h1>' in html
    assert "Version 1.0" in html
    assert re.search(
        r"Mis à jour le\s+<time datetime=\"2026-12-01\">1er décembre 2026</time>", html
    )
    assert '<a href="https://example.org/memoires" rel="noopener noreferrer">' in html
    assert "Présentation des mémoires</a>" in html


def test_docs_guide_shows_toc_and_anchored_sections(client: TestClient) -> None:
    html = client.get("/docs/comptes").text
    for anchor in ("compte-sans-siret", "compte-sans-siret-pieces", "mot-de-passe-oublie"):
        assert f'<a href="#{anchor}">' in html
        assert f'id="{anchor}"' in html
    assert '<h2 id="compte-sans-siret">Créer un compte sans SIRET</h2>' in html
    assert '<h3 id="compte-sans-siret-pieces">Pièces à fournir</h3>' in html


def test_docs_guide_links_back_and_to_support(client: TestClient) -> None:
    parser = _parse(client.get("/docs/comptes").text)
    assert "/docs" in parser.hrefs
    assert "/support" in parser.hrefs


def test_docs_guide_escapes_raw_html(client: TestClient) -> None:
    html = client.get("/docs/comptes").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "<b>balise" not in html
    assert 'href="javascript' not in html


def test_docs_guide_plain_sources_are_not_links(client: TestClient) -> None:
    html = client.get("/docs/comptes").text
    assert "<li>Annonce de test (fixture)</li>" in html
    assert "Page d&#39;aide sur les comptes</a>" in html


def test_docs_guide_unknown_slug_returns_french_page(client: TestClient) -> None:
    response = client.get("/docs/inexistant")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="fr">' in html
    assert "<h1>Guide introuvable</h1>" in html
    assert 'href="/docs"' in html
    assert 'href="/support"' in html


@pytest.mark.parametrize("path", ["/docs", "/docs/comptes", "/docs/memoires-justice", "/docs/x"])
def test_docs_pages_are_well_formed_and_accessible(client: TestClient, path: str) -> None:
    html = client.get(path).text
    parser = _parse(html)
    assert parser.errors == []
    assert parser.stack == []
    assert html.lower().startswith("<!doctype html>")
    assert ("html", {"lang": "fr"}) in parser.tags
    assert parser.count("h1") == 1
    assert parser.count("main") == 1
    assert len(parser.ids) == len(set(parser.ids)), "duplicate id"
    in_page = [href[1:] for href in parser.hrefs if href.startswith("#")]
    assert in_page, "no skip link"
    assert set(in_page) <= set(parser.ids), "an in-page link targets a missing id"


def test_docs_guide_follows_file_changes(client: TestClient, guides_dir: Path) -> None:
    assert "Version 1.3" in client.get("/docs/remboursement-tic").text
    path = guides_dir / "remboursement-tic.md"
    path.write_text(path.read_text(encoding="utf-8").replace('"1.3"', '"1.4"'), "utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert "Version 1.4" in client.get("/docs/remboursement-tic").text

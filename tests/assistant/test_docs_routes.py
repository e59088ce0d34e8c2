"""Tests of the documentation pages (/docs, /docs/{slug}) on a small app with fixture guides,
and of their navigation, anchors and sources on the real guides."""

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

from assistant.main import STATIC_DIR
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
        label="Page d'aide", url="https://example.org/a?b=1", site="example.org"
    )


def test_source_item_bare_url_and_plain_text() -> None:
    assert source_item("https://example.org/x") == SourceItem(
        label="Page du site example.org", url="https://example.org/x", site="example.org"
    )
    assert source_item("Annonce de la DDFiP") == SourceItem(label="Annonce de la DDFiP")
    assert source_item("javascript:alert(1) (piège)").url is None


@pytest.mark.parametrize(
    ("source", "label", "site"),
    [
        (
            "https://communaute.chorus-pro.gouv.fr/documentation/deposer-une-facture-2/",
            "Deposer une facture",  # trailing number dropped
            "Communauté Chorus Pro",
        ),
        ("https://www.senat.fr/rap/l19-140/l19-14012.html", "Page du site Sénat", "Sénat"),
        ("https://www.weka.fr/actualite/delai_de_paiement.php", "Delai de paiement", "weka.fr"),
        (
            "https://portail.chorus-pro.gouv.fr/aife_documentation?id=kb_article_view"
            "&sysparm_article=KB0011436",
            "Aife documentation (réf. KB0011436)",
            "Portail Chorus Pro",
        ),
    ],
)
def test_source_item_bare_url_is_titled_from_its_address(
    source: str, label: str, site: str
) -> None:
    item = source_item(source)
    assert (item.label, item.url, item.site) == (label, source, site)


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


def test_docs_index_groups_guides_by_profile(client: TestClient) -> None:
    """Fixture guides: comptes (« Pour bien commencer »), memoires-justice (« Prestataires de
    la justice »), remboursement-tic (not in the table: « Autres guides », last)."""
    html = client.get("/docs").text
    order = [
        '<h2 id="profil-premiers-pas">Pour bien commencer</h2>',
        '<a href="/docs/comptes">Créer et gérer son compte</a>',
        '<h2 id="profil-justice">Prestataires de la justice</h2>',
        '<a href="/docs/memoires-justice">Déposer un mémoire de frais de justice</a>',
        '<h2 id="profil-autres-guides">Autres guides</h2>',
        '<a href="/docs/remboursement-tic">Demander le remboursement de la TIC/TICGN</a>',
    ]
    positions = [html.index(fragment) for fragment in order]
    assert positions == sorted(positions)
    assert "profil-fournisseurs" not in html, "a profile without guides is not shown"
    for anchor in ("profil-premiers-pas", "profil-justice", "profil-autres-guides"):
        assert f'<a class="fr-tag" href="#{anchor}">' in html


def test_docs_index_has_the_search_form(client: TestClient) -> None:
    html = client.get("/docs").text
    assert '<form class="docs-search" action="/docs/recherche" method="get">' in html
    assert 'class="fr-search-bar fr-search-bar--lg" id="recherche-docs" role="search"' in html
    assert '<label class="fr-label" for="recherche-docs-champ">' in html
    assert 'name="q"' in html and 'maxlength="200"' in html


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


def test_docs_guide_headings_have_a_named_link_to_their_anchor(client: TestClient) -> None:
    html = client.get("/docs/comptes").text
    assert (
        '<div class="docs-heading"><h2 id="mot-de-passe-oublie">Mot de passe oublié</h2>'
        '<a class="docs-anchor" href="#mot-de-passe-oublie" data-docs-copy-link>'
        '<span class="fr-sr-only">Lien vers la section « Mot de passe oublié »</span></a></div>'
    ) in html
    assert '<a class="docs-anchor" href="#compte-sans-siret-pieces"' in html
    assert html.count("data-docs-copy-link") == 3
    assert '<script src="/static/js/docs.js" defer></script>' in html


def test_docs_short_guide_has_a_summary_and_no_side_menu(client: TestClient) -> None:
    html = client.get("/docs/comptes").text
    assert 'class="fr-summary docs-toc"' in html
    assert "fr-sidemenu" not in html


def test_docs_guide_shows_its_profiles_and_neighbours(client: TestClient) -> None:
    html = client.get("/docs/memoires-justice").text
    assert '<a class="fr-tag fr-tag--sm" href="/docs#profil-justice">' in html
    assert re.search(r'href="/docs/comptes" rel="prev">.*Guide précédent :</span> Créer', html)
    assert re.search(r'href="/docs/remboursement-tic" rel="next">.*Guide suivant :</span>', html)
    first = client.get("/docs/comptes").text
    assert 'rel="prev"' not in first and 'href="/docs/memoires-justice" rel="next"' in first
    last = client.get("/docs/remboursement-tic").text
    assert 'rel="next"' not in last


def test_docs_help_offers_claude_and_the_support_form(client: TestClient) -> None:
    for path in ("/docs", "/docs/comptes"):
        html = client.get(path).text
        assert "Besoin d'aide ?</h2>" in html
        # Hidden until docs.js finds the widget: without JavaScript it would do nothing.
        assert re.search(r"<button [^>]*data-docs-open-assistant hidden>Poser ma question", html)
        assert 'href="/support"' in html


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


@pytest.mark.parametrize(
    "path", ["/docs", "/docs/comptes", "/docs/memoires-justice", "/docs/x", "/docs/recherche"]
)
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


# ---- the real guides ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_client() -> Iterator[TestClient]:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router)
    with TestClient(app) as test_client:
        yield test_client


def test_docs_real_index_lists_every_guide_under_its_profiles(real_client: TestClient) -> None:
    html = real_client.get("/docs").text
    sections = re.split(r'<h2 id="profil-', html)[1:]
    by_profile = {
        section.split('"', 1)[0]: re.findall(r'<h3><a href="/docs/([a-z0-9-]+)">', section)
        for section in sections
    }
    assert by_profile == {
        "premiers-pas": ["presentation-portail", "comptes", "suivi-formulaires", "aide-support"],
        "fournisseurs": [
            "facturation-electronique",
            "guide-comptes-structures",
            "guide-depot-factures",
            "guide-suivi-paiement",
            "guide-reforme-2026",
        ],
        "justice": ["memoires-justice", "guide-memoires-justice"],
        "exploitants-agricoles": ["remboursement-tic-ticgn", "guide-carburants-agricoles"],
        "acheteurs-publics": [
            "facturation-electronique",
            "guide-comptes-structures",
            "guide-suivi-paiement",
        ],
    }


def test_docs_real_long_guide_has_the_side_menu(real_client: TestClient) -> None:
    html = real_client.get("/docs/guide-suivi-paiement").text
    parser = _parse(html)
    assert parser.errors == [] and parser.stack == []
    assert 'class="fr-sidemenu fr-sidemenu--sticky-full-height docs-sidemenu"' in html
    start = html.index('class="fr-sidemenu__list"')
    menu = html[start : html.index("</ul>", start)]
    anchors = re.findall(r'class="fr-sidemenu__link" href="#([a-z0-9-]+)"', menu)
    # The first-level sections of the guide, in order; every one is a heading of the page.
    assert anchors[:3] == ["cycle-de-vie", "statut-brouillon", "statut-deposee"]
    assert "statut-service-fait" not in anchors, "second-level sections stay in the summary"
    assert set(anchors) <= set(parser.ids)
    # The summary stays for small screens, where the side menu is hidden.
    assert 'class="fr-summary docs-toc fr-hidden-md"' in html
    assert "fr-hidden fr-unhidden-md docs-side" in html


def test_docs_real_sources_are_titled_links(real_client: TestClient) -> None:
    html = real_client.get("/docs/facturation-electronique").text
    sources = html[html.index('id="titre-sources"') :]
    sources = sources[: sources.index("</section>")]
    labels = re.findall(
        r'<a href="(https?://[^"]+)" rel="noopener noreferrer">([^<]+)</a>', sources
    )
    assert len(labels) >= 20
    assert all(not label.startswith("http") for _, label in labels), "a raw address is shown"
    assert (
        "https://communaute.chorus-pro.gouv.fr/documentation/raccordement-a-chorus-pro",
        "Raccordement a chorus pro",
    ) in labels
    assert "(Communauté Chorus Pro)" in sources


def test_docs_real_guides_have_no_duplicate_ids(real_client: TestClient) -> None:
    library = GuideLibrary()
    for guide in library.guides():
        parser = _parse(real_client.get(guide.url).text)
        assert len(parser.ids) == len(set(parser.ids)), guide.slug
        in_page = {href[1:] for href in parser.hrefs if href.startswith("#")}
        assert in_page <= set(parser.ids), guide.slug


def test_docs_script_never_parses_html() -> None:
    source = (STATIC_DIR / "js" / "docs.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, f"docs.js uses {sink}"
    assert "window.ClaudeWidget" in source, "« Besoin d'aide ? » opens the widget"

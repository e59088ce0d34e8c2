"""The footer's mandatory pages (accessibilité, mentions légales, données personnelles) and
the DSFR footer that links to them from every page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.routes.legal import ACCESSIBILITY_STATUS
from portal.settings import get_portal_settings
from tests.assistant.test_docs_routes import _parse
from web_common.templating import BASE_TEMPLATES_DIR

LEGAL_PAGES = {
    "/accessibilite": "Déclaration d'accessibilité",
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
}
FOOTER_LINKS = {
    "/accessibilite": "Accessibilité : non conforme",
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
}
# Pages of the web app that extend the DSFR base (the console is covered by its own tests).
SITE_PAGES = ("/", "/docs", "/docs/comptes", "/docs/recherche", "/support", *LEGAL_PAGES)


@pytest.fixture()
def portal_settings_cleared() -> Iterator[None]:
    get_portal_settings.cache_clear()
    yield
    get_portal_settings.cache_clear()


@pytest.mark.parametrize(("path", "title"), LEGAL_PAGES.items())
def test_legal_page_is_a_french_dsfr_page(client: TestClient, path: str, title: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    parser = _parse(html)
    assert parser.errors == [] and parser.stack == []
    assert ("html", {"lang": "fr"}) in parser.tags
    assert parser.count("h1") == 1 and parser.count("main") == 1
    assert f"<h1>{title}</h1>" in html.replace("&#39;", "'")
    assert f"<title>{title} — Chorus Portal Pro</title>" in html.replace("&#39;", "'")
    assert len(parser.ids) == len(set(parser.ids)), "duplicate id"
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all(" src=" in tag for tag in scripts), "inline script"


@pytest.mark.parametrize("path", SITE_PAGES)
def test_footer_links_to_the_three_pages_from_every_page(client: TestClient, path: str) -> None:
    html = client.get(path).text
    footer = html[html.index('<footer class="fr-footer') : html.index("</footer>")]
    for href, label in FOOTER_LINKS.items():
        assert re.search(
            rf'<a class="fr-footer__bottom-link" href="{href}"( aria-current="page")?>{label}</a>',
            footer,
        ), (path, href)
    for site in ("info.gouv.fr", "service-public.gouv.fr", "legifrance.gouv.fr", "data.gouv.fr"):
        link = f'href="https://{site}" target="_blank" rel="noopener"'
        assert f'{link} title="{site} — nouvelle fenêtre"' in footer


def test_footer_marks_the_current_legal_page(client: TestClient) -> None:
    html = client.get("/mentions-legales").text
    assert 'href="/mentions-legales" aria-current="page">Mentions légales</a>' in html
    assert 'href="/accessibilite">Accessibilité' in html


def test_footer_states_the_same_status_as_the_declaration() -> None:
    base = (BASE_TEMPLATES_DIR / "base.html").read_text(encoding="utf-8")
    assert f">Accessibilité : {ACCESSIBILITY_STATUS}</a>" in base


def test_accessibility_statement_follows_the_rgaa_model(client: TestClient) -> None:
    html = client.get("/accessibilite").text
    assert "article 47 de la loi n° 2005-102 du 11 février 2005" in html
    assert "est <strong>non conforme</strong> avec le" in html
    assert "(RGAA), version 4.1" in html
    assert "Aucun audit de conformité au RGAA n'a encore été réalisé." in html
    headings = re.findall(r'<h2 id="([a-z-]+)">', html)
    assert headings == [
        "etat-conformite",
        "resultats-tests",
        "contenus-non-accessibles",
        "etablissement",
        "retour-information",
        "voies-recours",
    ]
    assert "Défenseur des droits" in html and 'href="/support"' in html
    assert '<time datetime="2026-12-06">6 décembre 2026</time>' in html


def test_personal_data_page_states_the_default_chat_retention(
    portal_settings_cleared: None, client: TestClient
) -> None:
    default = get_portal_settings().chat_retention_days
    html = client.get("/donnees-personnelles").text
    assert f"<strong>supprimés au bout de {default} jours</strong>" in html


@pytest.fixture()
def retention_of_45_days(
    monkeypatch: pytest.MonkeyPatch, portal_settings_cleared: None
) -> Iterator[None]:
    """Set before the app starts: its start-up purge reads (and caches) the same settings in
    a thread, so setting them after the start raced with it (a CI failure of session 6)."""
    monkeypatch.setenv("ASSISTANT_CHAT_RETENTION_DAYS", "45")
    get_portal_settings.cache_clear()
    yield
    monkeypatch.delenv("ASSISTANT_CHAT_RETENTION_DAYS")
    get_portal_settings.cache_clear()


def test_personal_data_page_reads_the_chat_retention_from_the_settings(
    retention_of_45_days: None, client: TestClient
) -> None:
    response = client.get("/donnees-personnelles")
    assert response.status_code == 200
    assert "<strong>supprimés au bout de 45 jours</strong>" in response.text


def test_personal_data_page_describes_redaction_tickets_and_erasure(client: TestClient) -> None:
    html = client.get("/donnees-personnelles").text.replace("&#39;", "'")
    for item in (
        "les adresses électroniques (remplacés par « [adresse électronique] »)",
        "les numéros de téléphone (remplacés par « [téléphone] »)",
        "les IBAN (remplacés par « [IBAN] »)",
        "les numéros de sécurité sociale (NIR) (remplacés par « [numéro de sécurité sociale] »)",
    ):
        assert item in html
    # The tickets' retention and the erasure: tests/assistant/test_personal_data_retention.py.
    assert "catégorie « Autre demande »" in html
    assert 'href="/support"' in html
    # Rasa's tracker store keeps the messages redacted too (its form answers until the
    # retention): the page says both.
    assert "<strong>avec le même masquage</strong>" in html
    assert "La description est gardée masquée" in html

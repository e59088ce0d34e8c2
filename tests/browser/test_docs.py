"""The documentation (/docs) and the footer's pages in a real browser, against the real stack:
search from the box to the section, the side menu of a long guide, heading links, previous
and next guides, « Besoin d'aide ? » opening Claude, the footer's pages, the pages without
JavaScript, and axe-core at desktop and phone widths."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    REPLY_TIMEOUT_MS,
    Stack,
    Widget,
    axe_violations,
    dump,
    screenshot,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
LONG_GUIDE = "/docs/guide-suivi-paiement"
# A user's words, and the section of the guides that answers them (the assistant's own
# hybrid search ranks it first: tests/assistant/test_docs_search.py checks the same index).
QUERY = "j'ai oublié mon mot de passe"
EXPECTED_SECTIONS = ("/docs/comptes#mot-de-passe-oublie",)
SEARCH_PATH = "/docs/recherche?q=mot+de+passe+oubli%C3%A9"
LEGAL_PAGES = {
    "Accessibilité : non conforme": ("/accessibilite", "Déclaration d'accessibilité"),
    "Mentions légales": ("/mentions-legales", "Mentions légales"),
    "Données personnelles": ("/donnees-personnelles", "Données personnelles"),
}
AXE_PAGES = (
    "/",
    "/support",
    "/docs",
    LONG_GUIDE,
    SEARCH_PATH,
    "/accessibilite",
    "/mentions-legales",
    "/donnees-personnelles",
)
# Pages that carry the widget; the support form (the way to a person when the assistant
# cannot help) and the legal pages do not.
WIDGET_PAGES = frozenset({"/", "/docs", LONG_GUIDE, SEARCH_PATH})


# The web app loads the search index on the first search (about 20 s idle, more on a busy
# machine): done once here, so that the tests' timeouts measure the pages, not that load.
INDEX_LOAD_TIMEOUT_S = 300


@pytest.fixture(scope="module", autouse=True)
def _search_index_loaded(stack: Stack) -> None:
    response = httpx.get(
        f"{stack.url}/docs/recherche", params={"q": "facture"}, timeout=INDEX_LOAD_TIMEOUT_S
    )
    assert response.status_code == 200, response.text[-500:]


def _context(browser: Browser, viewport: dict[str, int], **options: object) -> BrowserContext:
    context = browser.new_context(viewport=viewport, locale="fr-FR", **options)  # type: ignore[arg-type]
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    return context


@pytest.fixture
def docs_page(browser: Browser, stack: Stack) -> Iterator[Page]:
    """A desktop tab, fresh profile, clipboard allowed; fails the test on a JavaScript error."""
    context = _context(browser, DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.url)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def test_docs_search_from_the_box_to_the_section(docs_page: Page, stack: Stack) -> None:
    page = docs_page
    page.goto(stack.url + "/docs")
    box = page.get_by_role("searchbox", name="Rechercher dans la documentation")
    box.fill(QUERY)
    page.get_by_role("search").get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"/docs/recherche\?q="))
    expect(page).to_have_title(re.compile(r"^\d+ résultats? pour « j'ai oublié mon mot de passe »"))
    results = page.locator(".docs-result__title a")
    expect(results.first).to_be_visible()
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert hrefs[0] in EXPECTED_SECTIONS, dump(hrefs)
    expect(page.locator(".docs-result__snippet").first.locator("mark").first).to_be_visible()
    screenshot(page, "docs-search-results")
    results.first.click()
    slug, anchor = hrefs[0].rsplit("#", 1)  # type: ignore[union-attr]
    page.wait_for_url(re.compile(rf"{re.escape(slug)}#{anchor}$"))
    heading = page.locator(f"#{anchor}")
    expect(heading).to_have_text("Mot de passe oublié")
    expect(heading).to_be_in_viewport()


def test_docs_refused_query_says_why_without_error(docs_page: Page, stack: Stack) -> None:
    page = docs_page
    page.goto(stack.url + "/docs/recherche?q=%21%21%21")
    expect(page.locator(".docs-search-problem")).to_contain_text("aucun mot")
    expect(page).to_have_title(re.compile(r"^Erreur : Recherche"))


def test_docs_index_groups_guides_by_profile(docs_page: Page, stack: Stack) -> None:
    page = docs_page
    page.goto(stack.url + "/docs")
    for title in (
        "Fournisseurs",
        "Prestataires de la justice",
        "Exploitants agricoles",
        "Acheteurs publics",
    ):
        expect(page.get_by_role("heading", level=2, name=title, exact=True)).to_be_visible()
    page.get_by_role("link", name="Exploitants agricoles", exact=True).click()
    section = page.locator("section", has=page.locator("#profil-exploitants-agricoles"))
    expect(section.get_by_role("link", name=re.compile("TIC et de la TICGN"))).to_be_visible()


def test_docs_long_guide_has_the_side_menu(docs_page: Page, stack: Stack) -> None:
    page = docs_page
    page.goto(stack.url + LONG_GUIDE)
    menu = page.get_by_role("navigation", name="Dans ce guide")
    expect(menu).to_be_visible()
    expect(page.locator(".docs-toc")).to_be_hidden()  # the summary is for small screens
    link = menu.get_by_role("link", name="Les intérêts moratoires en cas de retard")
    link.click()
    page.wait_for_url(re.compile(r"#interets-moratoires$"))
    expect(page.locator("#interets-moratoires")).to_be_in_viewport()
    expect(menu).to_be_in_viewport()  # sticky: still at hand after the jump
    expect(link).to_have_attribute("aria-current", "true")
    screenshot(page, "docs-long-guide")


def test_docs_long_guide_on_a_phone_keeps_the_summary(browser: Browser, stack: Stack) -> None:
    context = _context(browser, PHONE)
    page = context.new_page()
    page.goto(stack.url + LONG_GUIDE)
    expect(page.get_by_role("navigation", name="Sommaire")).to_be_visible()
    expect(page.locator(".docs-sidemenu")).to_be_hidden()
    context.close()


def test_docs_heading_link_goes_to_the_section_and_copies_it(docs_page: Page, stack: Stack) -> None:
    page = docs_page
    page.goto(stack.url + LONG_GUIDE)
    link = page.get_by_role("link", name="Lien vers la section « Relancer un paiement en retard »")
    link.click()
    page.wait_for_url(re.compile(r"#relancer-paiement$"))
    expect(page.get_by_role("status").filter(has_text="copié")).to_have_text(
        "Lien de la section « Relancer un paiement en retard » copié dans le presse-papiers."
    )
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == f"{stack.url}{LONG_GUIDE}#relancer-paiement"


def test_docs_previous_and_next_guides(docs_page: Page, stack: Stack) -> None:
    page = docs_page
    page.goto(stack.url + LONG_GUIDE)
    page.get_by_role("link", name=re.compile(r"^Guide suivant :")).click()
    page.wait_for_url(re.compile(r"/docs/guide-reforme-2026$"))
    page.get_by_role("link", name=re.compile(r"^Guide précédent :")).click()
    page.wait_for_url(re.compile(re.escape(LONG_GUIDE) + "$"))


def test_docs_sources_are_titled_links(docs_page: Page, stack: Stack) -> None:
    page = docs_page
    page.goto(stack.url + "/docs/facturation-electronique")
    sources = page.locator(".docs-sources a")
    expect(sources.first).to_be_visible()
    labels = sources.all_inner_texts()
    assert labels and not [label for label in labels if label.startswith("http")], dump(labels)


def test_docs_need_help_opens_claude(docs_page: Page, stack: Stack) -> None:
    page = docs_page
    page.goto(stack.url + "/docs/comptes")
    panel = page.get_by_role("dialog", name="Claude, assistant virtuel")
    expect(panel).to_be_hidden()
    page.get_by_role("button", name="Poser ma question à Claude").click()
    expect(panel).to_be_visible()
    expect(page.get_by_label("Votre message")).to_be_focused()


def test_footer_links_reach_the_three_pages(docs_page: Page, stack: Stack) -> None:
    page = docs_page
    for label, (path, title) in LEGAL_PAGES.items():
        page.goto(stack.url + "/docs")
        footer = page.get_by_role("contentinfo")
        footer.get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(re.compile(re.escape(path) + "$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(
            page.get_by_role("contentinfo").get_by_role("link", name=label, exact=True)
        ).to_have_attribute("aria-current", "page")


def test_docs_work_without_javascript(browser: Browser, stack: Stack) -> None:
    context = _context(browser, DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(stack.url + "/docs")
    page.get_by_role("searchbox", name="Rechercher dans la documentation").fill("mot de passe")
    page.get_by_role("search").get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"/docs/recherche\?q=mot\+de\+passe"))
    expect(page.locator(".docs-result").first).to_be_visible()
    # The widget cannot open without JavaScript: its button stays hidden, the form remains.
    expect(page.get_by_role("button", name="Poser ma question à Claude")).to_be_hidden()
    expect(
        page.locator(".docs-help").get_by_role("link", name="formulaire « support »")
    ).to_be_visible()
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "375px"])
@pytest.mark.parametrize("path", AXE_PAGES)
def test_docs_and_legal_pages_have_no_serious_axe_violation_with_the_widget_open(
    browser: Browser, stack: Stack, path: str, viewport: dict[str, int]
) -> None:
    context = _context(browser, viewport)
    page = context.new_page()
    page.goto(stack.url + path)
    # The DSFR's script marks the root when it has set the components up (collapses, menus).
    page.wait_for_function("() => document.documentElement.getAttribute('data-fr-js') === 'true'")
    if path in WIDGET_PAGES:  # issue 13: no violation with the widget open (full screen at 375)
        Widget(page).open()
    violations = axe_violations(page)
    if violations:
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
        screenshot(page, f"axe-{name}-{viewport['width']}")
    context.close()
    assert violations == [], dump(violations)

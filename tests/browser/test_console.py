"""The agents' console in a real browser, against the real stack: an agent works a ticket from
the queue to « Résolu » with the reply box in view, inserts a knowledge-base suggestion,
bulk-assigns tickets; axe-core finds no serious violation on the queue and ticket pages."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from storage.paths import REPO_ROOT
from support_tickets.config import get_support_settings
from support_tickets.seed import DEMO_AGENT_EMAIL
from tests.browser.conftest import REPLY_TIMEOUT_MS, Stack, axe_violations, dump, screenshot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 375, "height": 800}
TICKET_NUMBER = re.compile(r"SUP-\d{4}-\d{6}")
README_SCREENSHOT = REPO_ROOT / "docs" / "screenshots" / "console.png"
QUESTION = "Comment déposer une facture sur Chorus Pro ?"


@pytest.fixture
def console(browser: Browser, stack: Stack) -> Iterator[Page]:
    """A fresh profile at 1280×800 (the console's reference screen), no JavaScript error."""
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def _new_ticket(page: Page, stack: Stack, description: str, *, with_chat: bool) -> str:
    """A ticket sent by the public support form (after a question to the assistant when
    ``with_chat``, so the ticket carries the knowledge base's candidates); its number."""
    fragment = ""
    if with_chat:
        session_id = f"w-console-{uuid.uuid4().hex[:12]}"
        assert stack.chat(session_id, QUESTION).status_code == 200
        fragment = f"#session_id={session_id}&key={stack.keys.key(session_id)}"
    page.goto(f"{stack.url}/support{fragment}")
    page.get_by_label("Adresse électronique").fill(f"usager.{uuid.uuid4().hex[:6]}@exemple.fr")
    page.get_by_label("Catégorie de votre demande").select_option("factures")
    page.get_by_label("Description de votre demande").fill(description)
    page.get_by_role("button", name="Envoyer ma demande").click()
    number = TICKET_NUMBER.search(page.locator("main").inner_text())
    assert number, page.locator("main").inner_text()
    return number.group(0)


def _log_in(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/console/login")
    page.get_by_label("Adresse e-mail professionnelle").fill(DEMO_AGENT_EMAIL)
    page.get_by_label("Mot de passe").fill(get_support_settings().demo_agent_password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="File des tickets")).to_be_visible()
    page.wait_for_load_state()  # console.js (deferred) has run


def _assert_accessible_at_both_widths(page: Page) -> None:
    for size in (DESKTOP, MOBILE):
        page.set_viewport_size(size)
        violations = axe_violations(page)
        assert violations == [], f"{size['width']} px: {dump(violations)}"
    page.set_viewport_size(DESKTOP)


def _in_viewport(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"], (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"], (selector, box)


def test_console_agent_works_a_ticket_to_resolved_with_a_suggestion(
    console: Page, stack: Stack
) -> None:
    page = console
    number = _new_ticket(
        page, stack, "Je ne sais pas comment déposer ma facture sur Chorus Pro.", with_chat=True
    )
    _log_in(page, stack)
    # the queue starts above the fold, under the console's own compact header
    table = page.locator(".console-table table")
    expect(table).to_be_visible()
    top = table.bounding_box()
    assert top is not None and top["y"] < DESKTOP["height"] / 2, top
    expect(page.locator("header.console-header")).to_be_visible()
    expect(page.get_by_role("navigation", name="Navigation principale")).to_have_count(0)
    _assert_accessible_at_both_widths(page)

    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("heading", name=f"Ticket {number}")).to_be_visible()
    page.wait_for_load_state()
    # the reply box is in view at load, not below the transcript
    _in_viewport(page, "#reply-text")
    _assert_accessible_at_both_widths(page)

    insert = page.get_by_role("link", name=re.compile(r"^Insérer")).first
    expect(insert).to_be_visible()
    answer = page.locator(".console-suggestion__answer").first.inner_text()
    insert.click()
    reply = page.locator("#reply-text")
    expect(reply).to_be_focused()
    value = reply.input_value()
    assert value.startswith(answer[:40]), value
    assert re.search(rf"Pour en savoir plus : {re.escape(stack.url)}/docs/\S+", value), value
    assert "suggestion=" not in page.url  # inserted in place by the script, no reload

    page.get_by_label("Statut après la réponse").select_option("resolu")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("Votre réponse a été envoyée à l'usager.")).to_be_visible()
    expect(page.locator(".console-badges")).to_contain_text("Résolu")
    expect(page.locator(".console-history")).to_contain_text("Réponse à l'usager : « ")
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot(page, "console-ticket"), README_SCREENSHOT)


def test_console_bulk_assigns_two_tickets(console: Page, stack: Stack) -> None:
    page = console
    marker = uuid.uuid4().hex[:8]
    numbers = [
        _new_ticket(
            page, stack, f"Demande groupée {marker} : facture {i} bloquée.", with_chat=False
        )
        for i in (1, 2)
    ]
    _log_in(page, stack)
    page.get_by_label("Recherche (numéro, e-mail, texte, référence)").fill(marker)
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    page.wait_for_load_state()
    # filters apply on change, without the button
    page.get_by_label("Priorité", exact=True).select_option("urgente")
    expect(page).to_have_url(re.compile(r"priority=urgente"))
    page.wait_for_load_state()
    page.get_by_label("Priorité", exact=True).select_option("")
    expect(page).not_to_have_url(re.compile(r"priority=urgente"))
    page.wait_for_load_state()
    expect(page.locator("tbody tr")).to_have_count(2)
    for number in numbers:
        page.get_by_label(f"Sélectionner le ticket {number}").check()
    page.get_by_label("Assigner la sélection à").select_option(label="Camille Agent (moi)")
    page.get_by_role("button", name="Assigner", exact=True).click()
    outcome = page.locator("#bulk-outcome")
    expect(outcome).to_contain_text("Assignation à Camille Agent")
    expect(outcome).to_contain_text("2 tickets modifiés")
    for number in numbers:
        expect(page.locator("tr", has_text=number)).to_contain_text("Camille Agent")

"""An incident in a real browser: three users report one problem in their chat widgets, an
agent answers the incident once in the console, and the users see the answer in their own
widgets (two of them are checked)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from support_tickets.config import get_support_settings
from support_tickets.seed import DEMO_AGENT_EMAIL
from tests.browser.conftest import REPLY_TIMEOUT_MS, Stack, Widget, axe_violations, dump, screenshot
from tests.browser.test_widget import TICKET_NUMBER, _fill_support_form

pytestmark = pytest.mark.browser

USERS = 3  # incident_min_requesters: the third report makes the incident


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """One browser profile per user, and one for the agent."""
    opened = [
        browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        for _ in range(USERS + 1)
    ]
    for context in opened:
        context.set_default_timeout(REPLY_TIMEOUT_MS)
    yield opened
    for context in opened:
        context.close()


def _report(context: BrowserContext, stack: Stack, email: str) -> tuple[Page, str]:
    """A user opens the widget on the portal and files the problem; their page and ticket."""
    page = context.new_page()
    page.goto(stack.url + "/")
    widget = Widget(page)
    widget.open()
    number = TICKET_NUMBER.search(_fill_support_form(widget, email))
    assert number, "no ticket number in the widget"
    return page, number.group(0)


def _agent_answers(page: Page, stack: Stack, numbers: list[str], text: str) -> None:
    page.goto(f"{stack.url}/console/login?suivant=/console/incidents")
    page.get_by_label("Adresse e-mail professionnelle").fill(DEMO_AGENT_EMAIL)
    page.get_by_label("Mot de passe").fill(get_support_settings().demo_agent_password)
    page.get_by_role("button", name=re.compile("connecter", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(r"/console/incidents$"))
    assert axe_violations(page) == [], dump(axe_violations(page))
    row = page.get_by_role("row").filter(has_text="bouton de transmission")
    row.get_by_role("link", name=re.compile(r"Incident n° \d+")).first.click()
    for number in numbers:
        expect(page.get_by_role("link", name=number)).to_be_visible()
    assert axe_violations(page) == [], dump(axe_violations(page))
    page.get_by_role("textbox", name=re.compile(r"^Réponse")).fill(text)
    page.get_by_label("Statut des tickets après la réponse").select_option("resolu")
    page.get_by_role("button", name="Envoyer la réponse à l'incident").click()
    expect(page.get_by_text(re.compile(r"Réponse envoyée à \d+ ticket"))).to_be_visible()
    screenshot(page, "console-incident")


def test_incident_answered_once_is_seen_in_each_users_widget(
    contexts: list[BrowserContext], stack: Stack
) -> None:
    users = [
        _report(context, stack, f"usager{k}.incident@exemple.fr")
        for k, context in enumerate(contexts[:USERS])
    ]
    text = f"Le bouton de transmission fonctionne de nouveau (réf. {uuid.uuid4().hex[:6]})."

    _agent_answers(contexts[USERS].new_page(), stack, [n for _, n in users], text)

    for page, number in users[:2]:
        page.reload()
        widget = Widget(page)
        widget.open()
        widget.wait_idle()
        reply = page.locator(".claude-w__msg--agent").filter(has_text=text)
        expect(reply).to_have_count(1)
        expect(reply).to_contain_text(number)

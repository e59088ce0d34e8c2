"""The console's « Brouillons » pages in a real browser, against the real stack: a
supervisor drafts an FAQ entry from a gap's question and wordings, and every page of the
workflow (list, new draft, the draft, history) has no serious or critical axe-core violation
at desktop and phone widths (issue 15). Publishing is left to the end-to-end test
(tests/e2e/test_faq_publish.py), which works on a copy of the index."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_pilotage import _log_in_as_supervisor
from tests.stack import Stack

pytestmark = pytest.mark.browser

WIDTHS = (1280, 375)


def _assert_accessible(tab: Page, name: str) -> None:
    violations = axe_violations(tab)
    screenshot(tab, name)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def _new_draft(tab: Page, stack: Stack, question: str, width: int) -> None:
    wordings = [("wording", "thème du portail couleur"), ("wording", "mode sombre")]
    query = urlencode([("question", question), *wordings])
    tab.goto(f"{stack.url}/console/brouillons/nouveau?{query}")
    expect(tab.locator("#question")).to_have_value(question)
    _assert_accessible(tab, f"brouillon-nouveau-{width}")
    tab.locator("#answer").fill(
        "Non : le portail n'a qu'un thème, celui du système de design de l'État."
    )
    tab.locator("#section").select_option(index=1)
    tab.locator("#sources").fill("https://communaute.chorus-pro.gouv.fr/")
    tab.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Brouillon")


def _check_width(browser: Browser, stack: Stack, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in_as_supervisor(tab, stack)
    question = f"Peut-on changer la couleur du portail ? ({uuid.uuid4().hex[:6]})"
    _new_draft(tab, stack, question, width)
    expect(tab.get_by_text("Le brouillon a été enregistré.")).to_be_visible()
    expect(tab.locator("#question")).to_have_value(question)
    _assert_accessible(tab, f"brouillon-{width}")
    tab.goto(f"{stack.url}/console/brouillons")
    expect(tab.get_by_text(question).first).to_be_visible()
    _assert_accessible(tab, f"brouillons-{width}")
    tab.goto(f"{stack.url}/console/brouillons/historique")
    _assert_accessible(tab, f"brouillons-historique-{width}")
    assert errors == [], f"JavaScript errors: {errors}"
    context.close()


def test_faq_draft_pages_have_no_serious_accessibility_violation(
    browser: Browser, stack: Stack
) -> None:
    for width in WIDTHS:
        _check_width(browser, stack, width)

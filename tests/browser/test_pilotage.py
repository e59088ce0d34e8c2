"""The supervisors' « Pilotage » page in a real browser, against the real stack: three turns
chatted through the API on a page of their own (one thumbs-up), and a fourth, thumbed down, in
another conversation; the thumbed-down answer drawn on the « Relecture » page and judged
« juste »; then the page drawn by the DSFR Chart web components (the reviewed answers' accuracy
included), and axe-core on both pages at desktop and phone widths."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page

from support_tickets.config import get_support_settings
from support_tickets.seed import DEMO_SUPERVISOR_EMAIL
from tests.browser.conftest import axe_violations, dump, screenshot
from tests.stack import Stack

pytestmark = pytest.mark.browser

MESSAGES = ("bonjour", "Est-ce que le portail est payant ?", "je veux parler à un conseiller")
CHART_TAGS = ("bar-chart", "pie-chart", "line-chart")
CHARTS = (
    "volumes",
    "outcomes",
    "feedback",
    "intents",
    "latency",
    "tickets",
    "sla",
    "review_accuracy",
)
DOWN_MESSAGE = "Est-ce que le portail est payant ?"  # the thumbed-down answer, then reviewed
TURNS = len(MESSAGES) + 1
WIDTHS = (1280, 375)
DRAW_TIMEOUT_MS = 30_000


def _chat_on_page(
    stack: Stack, page_name: str, messages: tuple[str, ...], rated: int, value: str
) -> None:
    """Chat ``messages`` from ``page_name`` and give the reply ``rated`` a thumbs ``value``."""
    session_id = f"pilotage-{uuid.uuid4().hex}"
    turn_ids: list[int] = []
    for message in messages:
        response = httpx.post(
            f"{stack.url}/api/chat",
            json={"session_id": session_id, "message": message, "page": page_name},
            headers=stack.keys.headers(session_id),
            timeout=60,
        )
        assert response.status_code == 200, response.text
        stack.keys.remember(session_id, response)
        turn_ids.append(response.json()["turn_id"])
    feedback = httpx.post(
        f"{stack.url}/api/chat/feedback",
        json={"session_id": session_id, "turn_id": turn_ids[rated], "value": value},
        headers=stack.keys.headers(session_id),
        timeout=30,
    )
    assert feedback.status_code == 204, feedback.text


def _log_in_as_supervisor(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/console/login")
    page.get_by_label("Adresse e-mail professionnelle").fill(DEMO_SUPERVISOR_EMAIL)
    page.get_by_label("Mot de passe").fill(get_support_settings().demo_supervisor_password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/console/tickets**")


# Each chart: its element defined as a web component, its data, and whether its canvas holds
# a drawing (its pixels differ from those of a blank canvas of the same size).
CHARTS_STATE_JS = """() => Object.fromEntries(
  [...document.querySelectorAll('[data-pilotage]')].map(box => {
    const chart = box.firstElementChild;
    const canvas = chart.querySelector('canvas');
    let drawn = false;
    if (canvas && canvas.width > 0) {
      const blank = document.createElement('canvas');
      blank.width = canvas.width;
      blank.height = canvas.height;
      drawn = canvas.toDataURL() !== blank.toDataURL();
    }
    return [box.dataset.pilotage, {
      defined: customElements.get(chart.localName) !== undefined,
      y: JSON.parse(chart.getAttribute('y')),
      drawn: drawn,
    }];
  }))"""


def _charts_state(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(CHARTS_STATE_JS))


def _wait_drawn(page: Page) -> None:
    page.wait_for_function(
        "n => [...document.querySelectorAll('[data-pilotage] canvas')].length === n",
        arg=len(CHARTS),
        timeout=DRAW_TIMEOUT_MS,
    )


def _check_width(browser: Browser, stack: Stack, page_name: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in_as_supervisor(tab, stack)
    tab.goto(f"{stack.url}/console/pilotage?{urlencode({'page': page_name})}")
    _wait_drawn(tab)
    assert tab.evaluate(
        "tags => tags.every(tag => customElements.get(tag) !== undefined)", list(CHART_TAGS)
    )
    state = _charts_state(tab)
    assert sorted(state) == sorted(CHARTS), dump(state)
    assert all(chart["defined"] and chart["drawn"] for chart in state.values()), dump(state)
    assert sum(state["volumes"]["y"][0]) == TURNS, dump(state)
    assert sum(state["outcomes"]["y"][0]) == TURNS, dump(state)
    assert sum(state["feedback"]["y"][0]) == 1 and sum(state["feedback"]["y"][1]) == 1
    assert state["review_accuracy"]["y"] == [[100.0]], dump(state)
    tab.get_by_text("Données du graphique « Échanges par jour » (tableau)").click()
    assert tab.get_by_role("table", name="Échanges par jour").is_visible()
    violations = axe_violations(tab)
    screenshot(tab, f"pilotage-{width}")
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    assert errors == [], f"JavaScript errors: {errors}"
    context.close()


def _review_the_thumbed_down_answer(browser: Browser, stack: Stack, page_name: str) -> None:
    """Draw a sample on the « Relecture » page (a thumbs-down is always drawn), check the page
    with axe at both widths, and judge the drawn answer of ``page_name`` « juste »."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="fr-FR")
    tab = context.new_page()
    _log_in_as_supervisor(tab, stack)
    tab.goto(f"{stack.url}/console/relecture")
    tab.get_by_role("button", name="Tirer un échantillon").click()
    tab.wait_for_url("**/console/relecture?ajoutes=**")
    drawn = tab.locator("section.console-review").filter(has_text=f"page « {page_name} »")
    assert drawn.count() >= 1 and DOWN_MESSAGE in drawn.first.inner_text()
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 900})
        violations = axe_violations(tab)
        screenshot(tab, f"relecture-{width}")
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    tab.set_viewport_size({"width": WIDTHS[0], "height": 900})
    drawn.first.get_by_role("button", name="juste", exact=True).click()
    tab.wait_for_url("**/console/relecture?enregistre=1")
    context.close()


def test_pilotage_page_draws_charts_without_accessibility_violation(
    browser: Browser, stack: Stack
) -> None:
    page_name = f"Pilotage {uuid.uuid4().hex[:8]}"
    _chat_on_page(stack, page_name, MESSAGES, 1, "positive")
    _chat_on_page(stack, page_name, (DOWN_MESSAGE,), 0, "negative")
    _review_the_thumbed_down_answer(browser, stack, page_name)
    for width in WIDTHS:
        _check_width(browser, stack, page_name, width)

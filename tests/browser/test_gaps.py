"""The supervisors' « Lacunes » page in a real browser, against the real stack: three wordings
of one question chatted through the API on a page of their own, each given a thumbs-down,
then the page lists them as one gap; axe-core at desktop and phone widths."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_pilotage import _log_in_as_supervisor
from tests.stack import Stack

pytestmark = pytest.mark.browser

MESSAGES = (
    "Comment changer la couleur du thème du portail ?",
    "Bonjour, comment changer la couleur du thème du portail ?",
    "svp comment changer la couleur du thème du portail",
)
WIDTHS = (1280, 375)
# The first view loads the knowledge base's embedder and dense index into the web process.
FIRST_VIEW_TIMEOUT_MS = 180_000


def _disliked_questions(stack: Stack, page_name: str) -> None:
    """Chat each message in a conversation of its own and give its reply a thumbs-down."""
    for message in MESSAGES:
        session_id = f"lacunes-{uuid.uuid4().hex}"
        response = httpx.post(
            f"{stack.url}/api/chat",
            json={"session_id": session_id, "message": message, "page": page_name},
            headers=stack.keys.headers(session_id),
            timeout=60,
        )
        assert response.status_code == 200, response.text
        stack.keys.remember(session_id, response)
        feedback = httpx.post(
            f"{stack.url}/api/chat/feedback",
            json={
                "session_id": session_id,
                "turn_id": response.json()["turn_id"],
                "value": "negative",
            },
            headers=stack.keys.headers(session_id),
            timeout=30,
        )
        assert feedback.status_code == 204, feedback.text


def _check_width(browser: Browser, stack: Stack, page_name: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in_as_supervisor(tab, stack)
    url = f"{stack.url}/console/lacunes?{urlencode({'page': page_name})}"
    tab.goto(url, timeout=FIRST_VIEW_TIMEOUT_MS)
    heading = tab.get_by_role("heading", level=3).first
    assert "— 3 questions" in heading.inner_text()
    assert tab.get_by_role("link", name="Rédiger une entrée").first.is_visible()
    violations = axe_violations(tab)
    screenshot(tab, f"lacunes-{width}")
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    assert errors == [], f"JavaScript errors: {errors}"
    context.close()


def test_gaps_page_lists_the_gap_without_accessibility_violation(
    browser: Browser, stack: Stack
) -> None:
    page_name = f"Lacunes {uuid.uuid4().hex[:8]}"
    _disliked_questions(stack, page_name)
    for width in WIDTHS:
        _check_width(browser, stack, page_name, width)

"""Browser tests: headless Chromium (Debian's package) driven by Playwright against the real
stack — `python -m assistant serve` with its trained Rasa model, action server and web app —
started on ports of its own (web 8105, Rasa 6105, actions 6155) with a throw-away database.

Run them with `pytest -m browser tests/browser`; they are skipped otherwise. Screenshots go
to `test-artifacts/browser/`. BROWSER_STACK_URL=http://127.0.0.1:8105 reuses a stack already
running there instead of starting one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from storage.paths import REPO_ROOT
from tests.stack import Stack, running_stack

WEB_PORT = int(os.environ.get("BROWSER_WEB_PORT", "8105"))
RASA_PORT = int(os.environ.get("BROWSER_RASA_PORT", "6105"))
ACTIONS_PORT = int(os.environ.get("BROWSER_ACTIONS_PORT", "6155"))
WEB_URL = f"http://127.0.0.1:{WEB_PORT}"
RUNNING_STACK_URL = os.environ.get("BROWSER_STACK_URL", "")
ALLOWED_DOMAIN = "www.economie.gouv.fr"  # the stack's widget allow-list
CHROMIUM = os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
READY_TIMEOUT_S = 420
REPLY_TIMEOUT_MS = 60_000
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: real-browser tests (Chromium + Playwright)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test here is a browser test, run only when `-m browser` selects them."""
    selected = "browser" in (config.option.markexpr or "")
    skip = pytest.mark.skip(reason="browser test: run with `pytest -m browser tests/browser`")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not selected:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if RUNNING_STACK_URL:
        yield Stack(None, RUNNING_STACK_URL.rstrip("/"), None, WEB_PORT)
        return
    workdir = tmp_path_factory.mktemp("browser-stack")
    env = {
        "ASSISTANT_DATABASE_URL": f"sqlite:///{workdir / 'storage.db'}",
        "ASSISTANT_WIDGET_ALLOWED_DOMAINS": ALLOWED_DOMAIN,
    }
    with running_stack(workdir, WEB_PORT, RASA_PORT, ACTIONS_PORT, env) as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    """A fresh browser profile (empty storage, no cookie) on the demo portal."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(stack.url + "/")
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


class Widget:
    """The chat widget as a user sees it, driven through the page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.get_by_role(
            "button", name="Poser une question à Claude, l'assistant virtuel", exact=True
        )
        self.panel = page.get_by_role("dialog", name="Claude, assistant virtuel")
        self.input = page.get_by_label("Votre message")
        self.log = page.locator(".claude-w__log")
        self.bot = page.locator(".claude-w__msg--bot")
        self.user = page.locator(".claude-w__msg--user")
        self.user_text = self.user.locator(".claude-w__text")

    def open(self) -> None:
        if not self.panel.is_visible():
            self.launcher.first.click()
        self.input.wait_for(state="visible")

    def wait_idle(self) -> None:
        """Wait until the history is shown and no reply is awaited (typing indicator hidden)."""
        self.page.wait_for_function(
            "() => { const t = document.querySelector('.claude-w__typing');"
            " const w = document.querySelector('[data-claude-widget]');"
            " return t && t.hidden && w.getAttribute('data-history') === 'ready'; }",
            timeout=REPLY_TIMEOUT_MS,
        )

    def send(self, text: str) -> str:
        """Type ``text``, press Enter, return the text of the new bot messages."""
        self.wait_idle()
        before = self.bot.count()
        self.input.fill(text)
        self.input.press("Enter")
        return self.replies_after(before)

    def click_choice(self, title: str | re.Pattern[str]) -> str:
        self.wait_idle()
        before = self.bot.count()
        self.log.get_by_role("button", name=title).last.click()
        return self.replies_after(before)

    def replies_after(self, before: int) -> str:
        self.page.wait_for_function(
            "n => document.querySelectorAll('.claude-w__msg--bot').length > n",
            arg=before,
            timeout=REPLY_TIMEOUT_MS,
        )
        self.wait_idle()
        return "\n".join(self.bot.nth(i).inner_text() for i in range(before, self.bot.count()))

    def last_bot(self) -> Any:
        return self.bot.last

    def session_id(self) -> str:
        return str(self.page.evaluate("() => window.ClaudeWidget.sessionId()"))


@pytest.fixture
def widget(page: Page) -> Widget:
    return Widget(page)


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious or critical WCAG 2.1 A/AA violations found by axe-core on the current page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the pages' content
        # security policy refuses inline scripts, and must stay on while they are tested.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))",
        AXE_TAGS,
    )
    return [v for v in result if v["impact"] in BLOCKING_IMPACTS]


def dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1)

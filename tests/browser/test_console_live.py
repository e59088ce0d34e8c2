"""The agent sees the user's message live (issue 13), in Chromium against the real stack: while
a ticket waits for the user, their reply in the widget shows on the agent's open ticket page
and marks the ticket in the open queue, without a reload (the console's server-sent events);
the agent's draft and selection stay as they were. Without ``EventSource`` the pages poll and
update themselves the same way.

The ticket is opened in the stack's database through the support service (as the chat's
support flow does); everything after goes through the stack's HTTP API and pages.
"""

from __future__ import annotations

import re
import shutil

from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from storage.paths import REPO_ROOT
from support_tickets.config import get_support_settings
from support_tickets.console_queue import REFRESH_INTERVAL_S
from support_tickets.seed import DEMO_AGENT_EMAIL
from support_tickets.taxonomy import STATUS_AGENT_LABELS, STATUS_IN_PROGRESS, STATUS_WAITING_USER
from tests.browser.conftest import Widget, axe_violations, dump, screenshot
from tests.browser.test_live_support import (
    ANSWER,
    LIVE_TIMEOUT_MS,
    QUESTION,
    AgentApi,
    _ticket_for_widget,
    agent_api,
    stack_db,
)
from tests.stack import Stack

__all__ = ["agent_api", "stack_db"]
README_SCREENSHOT = REPO_ROOT / "docs" / "screenshots" / "support-conversation.png"
# Without EventSource the pages poll every REFRESH_INTERVAL_S; one poll and the page's fetch.
POLLED_TIMEOUT_MS = (REFRESH_INTERVAL_S + 10) * 1000
DRAFT = "Merci, je vérifie votre compte"
NO_RELOAD = "() => window.consoleSansRechargement === true"


def _console(browser: Browser, stack: Stack, path: str, event_source: bool = True) -> Page:
    """The demo agent's console on ``path``, in a browser context of its own; the page is
    marked so that a reload would show (the mark would be gone)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    if not event_source:
        context.add_init_script("delete window.EventSource;")
    page = context.new_page()
    page.goto(f"{stack.url}/console/login")
    page.get_by_label("Adresse e-mail professionnelle").fill(DEMO_AGENT_EMAIL)
    page.get_by_label("Mot de passe").fill(get_support_settings().demo_agent_password)
    page.get_by_role("button", name=re.compile("connecter", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(r"/console/tickets"))
    page.goto(stack.url + path)
    page.wait_for_load_state()  # console.js (deferred) has run
    page.evaluate("() => { window.consoleSansRechargement = true; }")
    return page


def _waiting_for_user(widget: Widget, db: Session, agent_api: AgentApi) -> tuple[int, str]:
    """A ticket from the widget's conversation, the agent's question waiting for the user."""
    ticket_id, number = _ticket_for_widget(widget, db)
    agent_api.reply(ticket_id, QUESTION, status=STATUS_WAITING_USER)
    expect(widget.page.locator(".claude-w__support")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    return ticket_id, number


def test_console_live_user_reply_reaches_open_ticket_page_and_queue(
    widget: Widget, stack_db: Session, agent_api: AgentApi, browser: Browser, stack: Stack
) -> None:
    ticket_id, number = _waiting_for_user(widget, stack_db, agent_api)
    ticket_page = _console(browser, stack, f"/console/tickets/{ticket_id}")
    ticket_page.locator("#reply-text").fill(DRAFT)  # the agent is writing
    queue = _console(browser, stack, f"/console/tickets?q={number}&status=tous")
    mark = queue.locator(".console-new-message")
    expect(mark).to_have_count(0)
    queue.get_by_label(f"Sélectionner le ticket {number}").check()

    assert "transmis à l'équipe support" in widget.send(ANSWER)

    thread = ticket_page.locator("#ticket-thread .console-msg--user")
    expect(thread.filter(has_text=ANSWER)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(mark).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    assert ticket_page.evaluate(NO_RELOAD) and queue.evaluate(NO_RELOAD)
    # The README's support conversation: the banner, the agent's question, the user's answer.
    shutil.copyfile(screenshot(widget.page, "console-live-widget"), README_SCREENSHOT)
    expect(ticket_page.locator("#reply-text")).to_have_value(DRAFT)
    expect(ticket_page.locator("#console-refresh-notice")).to_contain_text(
        "Nouveau message de l'usager"
    )
    expect(queue.locator("#console-refresh-notice")).to_contain_text(number)
    expect(queue.get_by_label(f"Sélectionner le ticket {number}")).to_be_checked()
    status = ticket_page.locator("#ticket-head .fr-badge").first  # the head follows too
    expect(status).to_have_text(STATUS_AGENT_LABELS[STATUS_IN_PROGRESS])
    assert axe_violations(ticket_page) == [], dump(axe_violations(ticket_page))
    screenshot(ticket_page, "console-live-user-reply")
    for console in (ticket_page, queue):
        console.context.close()


def test_console_live_without_event_source_the_pages_poll(
    widget: Widget, stack_db: Session, agent_api: AgentApi, browser: Browser, stack: Stack
) -> None:
    ticket_id, number = _waiting_for_user(widget, stack_db, agent_api)
    ticket_page = _console(browser, stack, f"/console/tickets/{ticket_id}", event_source=False)
    queue = _console(browser, stack, f"/console/tickets?q={number}&status=tous", False)

    widget.send(ANSWER)

    thread = ticket_page.locator("#ticket-thread .console-msg--user")
    expect(thread.filter(has_text=ANSWER)).to_be_visible(timeout=POLLED_TIMEOUT_MS)
    expect(queue.locator(".console-new-message")).to_be_visible(timeout=POLLED_TIMEOUT_MS)
    assert ticket_page.evaluate(NO_RELOAD) and queue.evaluate(NO_RELOAD)
    for console in (ticket_page, queue):
        console.context.close()

"""The chat widget in a real browser, against the real web app, Rasa and action servers."""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from portal.accounts.seed import DEMO_ACCOUNTS
from portal.submissions.seed import DEMO_NO_SIRET_EMAIL
from storage.paths import REPO_ROOT
from support_tickets.config import get_support_settings
from support_tickets.seed import DEMO_AGENT_EMAIL
from tests.browser.conftest import (
    ALLOWED_DOMAIN,
    Stack,
    Widget,
    axe_violations,
    dump,
    screenshot,
)

pytestmark = pytest.mark.browser

TICKET_NUMBER = re.compile(r"SUP-\d{4}-\d{6}")
README_SCREENSHOT = REPO_ROOT / "docs" / "screenshots" / "widget.png"
# Short questions that the retrieval answers with « Vouliez-vous dire… » and buttons.
CLARIFY_QUESTIONS = ("mon compte", "remboursement", "mémoire")


def _demo_password(email: str) -> str:
    return next(account.password for account in DEMO_ACCOUNTS if account.email == email)


def _history(stack: Stack, widget: Widget) -> dict[str, Any]:
    """The widget's conversation read back with the key the widget holds (as it does)."""
    session_id = widget.session_id()
    stored = str(widget.page.evaluate("() => localStorage.getItem('claude-widget:key') || ''"))
    key = stored.split(" ", 1)[1] if stored.startswith(session_id + " ") else ""
    response = httpx.get(
        f"{stack.url}/api/chat/{session_id}/history",
        headers={"X-Conversation-Key": key},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


# ---- conversation with the real assistant ---------------------------------------------------


def test_widget_greets_and_answers_with_a_source_link(page: Page, widget: Widget) -> None:
    widget.open()
    expect(widget.bot.first).to_contain_text("je suis Claude")
    assert "claude" in widget.send("bonjour").lower()
    answer = widget.send("Est-ce que le portail est payant ?")
    payant = widget.bot.last.locator(".claude-w__choice", has_text="payant")
    if payant.count():  # the retrieval asked « Vouliez-vous dire… »: pick the right question
        answer = widget.click_choice(payant.first.inner_text())
    assert "gratuit" in answer.lower() and "Source" in answer, answer
    source = widget.bot.last.locator("a[href*='/docs/']").first
    href = source.get_attribute("href") or ""
    match = re.search(r"/docs/([a-z0-9-]+)#([a-z0-9-]+)$", href)
    assert match, href
    source.click()
    page.wait_for_url(re.compile(rf"/docs/{match.group(1)}#{match.group(2)}$"))
    expect(page.locator(f"#{match.group(2)}")).to_be_visible()
    expect(page.locator("h1")).to_have_count(1)
    # The conversation followed the user to the guide (same session, history reloaded).
    widget.open()
    expect(widget.log).to_contain_text("Est-ce que le portail est payant ?")


def test_widget_clarification_is_answered_by_clicking_a_button(widget: Widget) -> None:
    widget.open()
    for question in CLARIFY_QUESTIONS:
        widget.send(question)
        choices = widget.bot.last.locator(".claude-w__choice")
        if choices.count() >= 2:
            break
    else:
        pytest.fail(f"no clarification buttons for any of {CLARIFY_QUESTIONS}")
    title = choices.first.inner_text()
    reply = widget.click_choice(title)
    expect(widget.user_text.last).to_have_text(title)
    assert reply.strip(), "no answer after the clarification"
    assert widget.bot.last.locator(".claude-w__thumb").count() == 2


def test_widget_logged_in_user_sees_their_submission_status(page: Page, widget: Widget) -> None:
    page.get_by_label("Adresse électronique").fill(DEMO_NO_SIRET_EMAIL)
    page.get_by_label("Mot de passe", exact=True).fill(_demo_password(DEMO_NO_SIRET_EMAIL))
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#login-welcome")).to_contain_text("Vous êtes connecté")
    widget.open()
    reply = widget.send("où en est mon mémoire MJ-2026-000123 ?")
    assert "MJ-2026-000123" in reply, reply
    assert re.search(r"en cours|reçu|traitement", reply, re.IGNORECASE), reply


def _fill_support_form(widget: Widget, email: str) -> str:
    """Answer the support form's questions until the ticket number is shown."""
    reply = widget.send("je veux parler à un conseiller")
    for _ in range(10):
        if TICKET_NUMBER.search(reply):
            return reply
        last = widget.bot.last
        choices = [c.inner_text() for c in last.locator(".claude-w__choice:enabled").all()]
        lowered = reply.lower()
        preferred = ("Oui", "Envoyer", "Problème technique", "Autre")
        pick = next((c for p in preferred for c in choices if c.startswith(p)), None)
        if pick:
            reply = widget.click_choice(pick)
        elif "adresse" in lowered or "e-mail" in lowered or "courriel" in lowered:
            reply = widget.send(email)
        elif "référence" in lowered or "numéro" in lowered:
            reply = widget.send("aucune")
        else:
            reply = widget.send(
                "Le bouton de transmission de mon mémoire reste grisé depuis ce matin."
            )
    raise AssertionError(f"no ticket number, last reply: {reply}")


def test_widget_support_form_gives_a_ticket_seen_in_the_console(
    page: Page, widget: Widget, stack: Stack
) -> None:
    widget.open()
    reply = _fill_support_form(widget, "usager.navigateur@exemple.fr")
    number = TICKET_NUMBER.search(reply)
    assert number
    page.goto(f"{stack.url}/console/login")
    page.get_by_label("Adresse e-mail professionnelle").fill(DEMO_AGENT_EMAIL)
    page.get_by_label("Mot de passe").fill(get_support_settings().demo_agent_password)
    page.get_by_role("button", name=re.compile("connecter", re.IGNORECASE)).click()
    expect(page.get_by_text(number.group(0)).first).to_be_visible()
    assert axe_violations(page) == [], dump(axe_violations(page))


def test_widget_history_survives_reload_and_clear_empties_it(page: Page, widget: Widget) -> None:
    widget.open()
    widget.send("bonjour")
    session_id = widget.session_id()
    page.reload()
    widget.open()
    expect(widget.user_text).to_have_text(["bonjour"])
    assert widget.session_id() == session_id
    page.get_by_role("button", name="Effacer la conversation").click()
    page.get_by_role("button", name="Effacer", exact=True).click()  # the confirmation
    expect(widget.user).to_have_count(0)
    assert widget.session_id() != session_id
    page.reload()
    widget.open()
    expect(widget.user).to_have_count(0)


def test_widget_shows_markup_as_text_and_runs_nothing(page: Page, widget: Widget) -> None:
    page.evaluate("() => { window.__pwned = 0; }")
    attacks = [
        "<script>window.__pwned = 1</script> bonjour",
        '<img src="x" onerror="window.__pwned = 2"> bonjour',
    ]
    widget.open()
    for attack in attacks:
        widget.send(attack)
    page.reload()  # the history is rendered again from the server
    page.evaluate("() => { window.__pwned = window.__pwned || 0; }")
    widget.open()
    expect(widget.user_text).to_have_text(attacks)
    assert widget.log.locator("script, img, iframe").count() == 0
    assert page.evaluate("() => window.__pwned") == 0


def test_widget_keyboard_only_conversation(page: Page, widget: Widget) -> None:
    launcher = widget.launcher.first
    for _ in range(60):  # Tab from the top of the page until the launcher has the focus
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    widget.wait_idle()
    for question in CLARIFY_QUESTIONS:
        before = widget.bot.count()
        page.keyboard.type(question)
        page.keyboard.press("Enter")
        widget.replies_after(before)
        expect(widget.input).to_be_focused()
        choice = widget.bot.last.locator(".claude-w__choice").first
        if choice.count():
            break
    else:
        pytest.fail(f"no quick reply for any of {CLARIFY_QUESTIONS}")
    title = choice.inner_text()
    for _ in range(30):  # Shift+Tab back from the input to the latest quick replies
        page.keyboard.press("Shift+Tab")
        if choice.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the quick reply cannot be reached with the keyboard")
    expect(choice).to_be_focused()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none", (
        "no visible focus"
    )
    before = widget.bot.count()
    page.keyboard.press("Enter")
    widget.replies_after(before)
    expect(widget.user_text.last).to_have_text(title)
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_widget_thumbs_down_is_recorded_and_offers_support(
    page: Page, widget: Widget, stack: Stack
) -> None:
    widget.open()
    widget.send("Est-ce que le portail est payant ?")
    payant = widget.bot.last.locator(".claude-w__choice", has_text="payant")
    if payant.count():  # feedback is asked under answers, not under « Vouliez-vous dire… »
        widget.click_choice(payant.first.inner_text())
    answer = widget.bot.last
    thumb = answer.get_by_role("button", name="Non, cette réponse ne m'a pas aidé")
    before = widget.bot.count()
    thumb.click()
    expect(thumb).to_have_attribute("aria-pressed", "true")
    widget.replies_after(before)
    expect(widget.log.locator("a[href*='/support#session_id=']").last).to_be_visible()
    widget_session = widget.session_id()
    turns = _history(stack, widget)["turns"]
    rated = [t for t in turns if t["feedback"]]  # the answer, maybe after a clarification
    assert len(rated) == 1 and rated[0]["feedback"] == "negative"
    assert "gratuit" in json.dumps(rated[0]["messages"], ensure_ascii=False).lower()
    # The support link brings the conversation (id and key, in the fragment) to the form.
    widget.log.locator("a[href*='/support#session_id=']").last.click()
    page.wait_for_url(re.compile(r"/support(#|$)"))
    expect(page.locator("input[name='session_id']")).to_have_value(widget_session)
    expect(page.locator("input[name='conversation_key']")).to_have_value(re.compile(r".{40,}"))
    expect(page.get_by_text("Votre échange avec l'assistant Claude sera joint")).to_be_visible()


def test_widget_accessibility_and_screenshots(page: Page, widget: Widget) -> None:
    widget.open()
    widget.send("Est-ce que le portail est payant ?")
    payant = widget.bot.last.locator(".claude-w__choice", has_text="payant")
    if payant.count():
        widget.click_choice(payant.first.inner_text())
    violations = axe_violations(page)
    assert violations == [], dump(violations)
    screenshot(page, "widget-desktop")
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    expect(widget.input).to_be_visible()
    screenshot(page, "widget-320px")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    expect(widget.input).to_be_visible()
    expect(page.get_by_role("button", name="Fermer l'assistant")).to_be_visible()
    page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot(page, "widget-readme"), README_SCREENSHOT)


# ---- widget behaviour with a scripted chat API (the page and the rest stay real) ----------


def _fulfil_chat(page: Page, messages: list[dict[str, Any]], delay_ms: int = 0) -> None:
    def handle(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        if delay_ms:
            page.wait_for_timeout(delay_ms)
        body = {"session_id": "scripted-0001", "messages": messages, "turn_id": None}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/api/chat", handle)


def test_widget_links_follow_the_allow_list(page: Page, widget: Widget) -> None:
    _fulfil_chat(
        page,
        [
            {
                "text": "<b>gras</b> <a href='https://evil.example'>piège</a>",
                "buttons": [],
                "links": [
                    {"title": "Guide", "url": "/docs/comptes#mot-de-passe-oublie"},
                    {"title": "Formulaire « support »", "url": "/support"},
                    {"title": "Script", "url": "javascript:alert(1)"},
                    {"title": "Ailleurs", "url": "https://evil.example/docs"},
                    {"title": "Données", "url": "data:text/html,<script>alert(1)</script>"},
                    {"title": "Autre page", "url": "/api/chat/x/history"},
                    {"title": "Ministère", "url": f"https://{ALLOWED_DOMAIN}/aide"},
                    {"title": "Ministère en clair", "url": f"http://{ALLOWED_DOMAIN}/aide"},
                ],
            }
        ],
    )
    widget.open()
    widget.send("liens")
    message = widget.bot.last
    expect(message.locator(".claude-w__text")).to_have_text(
        "<b>gras</b> <a href='https://evil.example'>piège</a>"
    )
    assert message.locator(".claude-w__text *").count() == 0
    hrefs = [a.get_attribute("href") or "" for a in message.locator("a").all()]
    assert len(hrefs) == 3
    assert hrefs[0] == f"{page.url.rstrip('/')}/docs/comptes#mot-de-passe-oublie"
    # The support form link carries the conversation in its fragment (never sent to a
    # server), so the ticket gets its transcript.
    assert hrefs[1].startswith(f"{page.url.rstrip('/')}/support#session_id=w-")
    assert hrefs[2] == f"https://{ALLOWED_DOMAIN}/aide"
    external = message.get_by_role("link", name="Ministère")
    expect(external).to_have_attribute("target", "_blank")
    expect(external).to_have_attribute("rel", "noopener noreferrer")
    expect(message).to_contain_text("Ailleurs")  # shown, not clickable


def test_widget_typing_indicator_only_while_a_reply_is_awaited(page: Page, widget: Widget) -> None:
    _fulfil_chat(page, [{"text": "Réponse lente.", "buttons": [], "links": []}], delay_ms=1500)
    widget.open()
    typing = page.locator(".claude-w__typing")
    widget.wait_idle()
    expect(typing).to_be_hidden()
    widget.input.fill("bonjour")
    widget.input.press("Enter")
    expect(typing).to_be_visible()
    expect(typing).to_contain_text("Claude rédige sa réponse")
    expect(widget.bot.last).to_contain_text("Réponse lente.")
    expect(typing).to_be_hidden()


def test_widget_offers_the_support_form_when_the_assistant_is_unreachable(
    page: Page, widget: Widget, stack: Stack
) -> None:
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    widget.open()
    reply = widget.send("bonjour")
    assert "indisponible" in reply
    support = widget.bot.last.get_by_role("link", name="Formulaire « support »")
    expect(support).to_be_visible()
    expect(page.locator(".claude-w__shortcuts").get_by_role("link", name="support")).to_be_visible()
    expect(
        page.locator(".claude-w__shortcuts").get_by_role("link", name="Documentation")
    ).to_be_visible()
    support.click()
    page.wait_for_url(re.compile(r"/support(#|$)"))
    expect(page.locator("main form")).to_be_visible()
    # support.js copied the conversation from the link's fragment into the form, then
    # dropped the fragment from the address bar (no key: the chat never answered).
    expect(page.locator("input[name='session_id']")).to_have_value(re.compile(r"^w-[A-Za-z0-9-]+$"))
    expect(page.locator("input[name='conversation_key']")).to_have_value("")
    page.wait_for_function("() => window.location.hash === ''")


def test_console_login_page_has_no_serious_accessibility_violation(
    page: Page, stack: Stack
) -> None:
    page.goto(f"{stack.url}/console/login")
    expect(page.locator("h1")).to_have_count(1)
    violations = axe_violations(page)
    assert violations == [], dump(violations)

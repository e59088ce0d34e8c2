"""The widget's reading flow, accessibility and privacy at logout (issue 13), in a real
browser against the real stack. A few rendering checks script the chat API's reply (the
page, the widget and the rest of the stack stay real)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from portal.accounts.seed import DEMO_ACCOUNTS
from portal.submissions.seed import DEMO_NO_SIRET_EMAIL
from tests.browser.conftest import Stack, Widget, axe_violations, dump, screenshot

pytestmark = pytest.mark.browser

CLARIFY_QUESTIONS = ("mon compte", "remboursement", "mémoire")
FEEDBACK = ".claude-w__feedback"
PRIVATE_REFERENCE = "MJ-2026-000123"
PHONE = {"width": 375, "height": 740}
ZOOM_200 = {"width": 640, "height": 400}  # a 1280 × 800 window at 200 %
HOME_SUGGESTIONS = [
    "Qu'est-ce que Chorus Portal Pro ?",
    "Le portail Chorus Portal Pro est-il payant ?",
    "Comment créer un compte sur Chorus Portal Pro ?",
    "Comment suivre le traitement d'un formulaire après l'avoir transmis ?",
]
TIC_SUGGESTION = "Qui peut demander le remboursement de la TIC/TICGN sur le portail ?"


def _script_reply(page: Page, messages: list[dict[str, Any]]) -> None:
    """The chat API answers ``messages`` to the next messages (the widget stays real)."""

    def handle(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        body = {"session_id": "scripted-0001", "messages": messages, "turn_id": 1}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/api/chat", handle)


def _suggestions(widget: Widget) -> list[str]:
    buttons = widget.log.locator(".claude-w__suggestions button").all()
    return [b.inner_text().replace("\xa0", " ") for b in buttons]


def _ask_until_clarified(widget: Widget) -> None:
    for question in CLARIFY_QUESTIONS:
        widget.send(question)
        if widget.bot.last.locator(".claude-w__choice").count() >= 2:
            return
    pytest.fail(f"no clarification buttons for any of {CLARIFY_QUESTIONS}")


def _focus_stays_in_panel(page: Page, presses: int, key: str) -> None:
    for _ in range(presses):
        page.keyboard.press(key)
        inside = page.evaluate(
            "() => document.getElementById('claude-w-panel').contains(document.activeElement)"
        )
        assert inside, page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")


# ---- reading flow ---------------------------------------------------------------------------


def test_widget_reading_long_answer_shows_its_start(page: Page, widget: Widget) -> None:
    lines = [f"Étape {n} : une ligne de la longue réponse." for n in range(1, 41)]
    _script_reply(page, [{"text": "Début de la réponse.\n" + "\n".join(lines), "links": []}])
    widget.open()
    for _ in range(3):  # earlier turns: the log already scrolls
        widget.send("première question")
    widget.send("une question à longue réponse")
    start = widget.bot.last.locator(".claude-w__author")
    box = start.bounding_box()
    log = widget.log.bounding_box()
    assert box and log
    assert log["y"] <= box["y"] and box["y"] + box["height"] <= log["y"] + log["height"]
    expect(widget.bot.last.get_by_text("Début de la réponse.")).to_be_in_viewport()
    assert widget.log.evaluate("l => l.scrollTop + l.clientHeight < l.scrollHeight - 50")


def test_widget_reading_source_is_shown_once_as_its_link(page: Page, widget: Widget) -> None:
    widget.open()
    widget.wait_idle()
    before = widget.bot.count()
    widget.log.get_by_role("button", name="Le portail Chorus Portal Pro est-il payant ?").click()
    answer = widget.replies_after(before)
    assert "gratuit" in answer.lower(), answer
    source = widget.bot.last.locator(".claude-w__source a[href*='/docs/']")
    expect(source).to_have_count(1)
    title = source.inner_text()
    assert " — " in title, title
    assert answer.count(title) == 1, answer
    assert answer.count("Source") == 1, answer
    expect(widget.bot.last.locator(".claude-w__source")).to_have_text(f"Source : {title}")


def test_widget_reading_lists_are_lists_and_markup_stays_text(page: Page, widget: Widget) -> None:
    page.evaluate("() => { window.__pwned = 0; }")
    text = (
        "Préparez :\n- <b>la facture</b>\n• le relevé <img src=x onerror='window.__pwned=1'>\n"
        "Puis :\n1. connectez-vous\n2. transmettez"
    )
    _script_reply(page, [{"text": text, "links": []}])
    widget.open()
    widget.send("liste")
    message = widget.bot.last
    expect(message.locator("ul.claude-w__list > li")).to_have_text(
        ["<b>la facture</b>", "le relevé <img src=x onerror='window.__pwned=1'>"]
    )
    expect(message.locator("ol.claude-w__list > li")).to_have_text(
        ["connectez-vous", "transmettez"]
    )
    expect(message.locator(".claude-w__para")).to_have_text(["Préparez :", "Puis :"])
    assert message.locator("b, img, script").count() == 0
    assert page.evaluate("() => window.__pwned") == 0


def test_widget_reading_feedback_only_under_knowledge_answers(widget: Widget) -> None:
    widget.open()
    _ask_until_clarified(widget)
    expect(widget.bot.last.locator(FEEDBACK)).to_have_count(0)
    widget.click_choice(widget.bot.last.locator(".claude-w__choice").first.inner_text())
    expect(widget.bot.last.locator(FEEDBACK)).to_have_count(1)
    widget.send("merci")
    expect(widget.bot.last.locator(FEEDBACK)).to_have_count(0)
    widget.send("je veux parler à un conseiller")  # the support form's first step
    expect(widget.bot.last.locator(FEEDBACK)).to_have_count(0)
    assert widget.log.locator(FEEDBACK).count() == 1


def test_widget_reading_answer_names_the_question_it_answers(widget: Widget) -> None:
    # The real stack: the FAQ entry's own question above its answer, on answers only.
    widget.open()
    widget.send(HOME_SUGGESTIONS[1])
    answered = widget.bot.last.locator(".claude-w__answered")
    expect(answered).to_have_text(f"Réponse à la question : « {HOME_SUGGESTIONS[1]} »")
    widget.send("merci")
    expect(widget.bot.last.locator(".claude-w__answered")).to_have_count(0)
    assert widget.log.locator(".claude-w__answered").count() == 1


def test_widget_reading_answered_question_stays_text(page: Page, widget: Widget) -> None:
    question = "Le <b>portail</b> est-il payant ?<img src=x onerror=window.__pwned=1>"
    page.evaluate("() => { window.__pwned = 0; }")
    _script_reply(
        page, [{"text": "Non : il est gratuit.", "kind": "knowledge_answer", "question": question}]
    )
    widget.open()
    widget.send("c'est payant ?")
    answered = widget.bot.last.locator(".claude-w__answered")
    expect(answered).to_have_text(f"Réponse à la question : « {question} »")
    assert answered.locator("b, img").count() == 0
    assert page.evaluate("() => window.__pwned") == 0


def test_widget_reading_suggestions_fit_the_page(page: Page, widget: Widget, stack: Stack) -> None:
    widget.open()
    widget.wait_idle()
    assert _suggestions(widget) == HOME_SUGGESTIONS
    intro = widget.bot.first.inner_text()
    assert "je suis Claude" in intro and len(intro.split("\n")[1]) < 200, intro
    page.goto(f"{stack.url}/docs/remboursement-tic-ticgn")
    widget.open()
    widget.wait_idle()
    titles = _suggestions(widget)
    assert TIC_SUGGESTION in titles and 3 <= len(titles) <= 4, titles
    assert set(titles).isdisjoint(HOME_SUGGESTIONS), titles
    before = widget.bot.count()
    widget.log.get_by_role("button", name=TIC_SUGGESTION).click()
    answer = widget.replies_after(before)
    expect(widget.user_text.last).to_have_text(TIC_SUGGESTION)
    assert "TIC" in answer, answer
    expect(widget.bot.last.locator(FEEDBACK)).to_have_count(1)
    assert _suggestions(widget) == []
    page.reload()  # the history shows the question asked, and no suggestions any more
    widget.open()
    widget.wait_idle()
    expect(widget.user_text).to_have_text([TIC_SUGGESTION])
    assert _suggestions(widget) == []


# ---- accessibility ---------------------------------------------------------------------------


def test_widget_reading_phone_panel_is_modal(page: Page, widget: Widget) -> None:
    widget.open()
    expect(widget.panel).to_have_attribute("aria-modal", "false")  # desktop: not modal
    widget.send("bonjour")
    page.set_viewport_size(PHONE)
    expect(widget.panel).to_have_attribute("aria-modal", "true")
    widget.input.focus()
    _focus_stays_in_panel(page, 25, "Tab")
    _focus_stays_in_panel(page, 25, "Shift+Tab")
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher.first).to_be_focused()
    expect(page.locator("#claude-w-panel")).to_have_attribute("aria-modal", "false")


def test_widget_reading_message_area_usable_at_200_percent_zoom(page: Page, widget: Widget) -> None:
    page.set_viewport_size(ZOOM_200)
    widget.open()
    widget.send("bonjour")
    height = widget.log.evaluate("l => l.getBoundingClientRect().height")
    assert height >= ZOOM_200["height"] / 2, height
    expect(widget.input).to_be_in_viewport()
    expect(page.get_by_role("button", name="Fermer l'assistant")).to_be_in_viewport()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= ZOOM_200["width"]
    screenshot(page, "widget-zoom-200")


def test_widget_reading_clear_asks_confirmation(page: Page, widget: Widget) -> None:
    widget.open()
    widget.send("bonjour")
    session_id = widget.session_id()
    clear = page.get_by_role("button", name="Effacer la conversation")
    confirm = page.locator(".claude-w__confirm")
    clear.click()
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Effacer la conversation ?")
    expect(page.get_by_role("button", name="Annuler")).to_be_focused()
    page.get_by_role("button", name="Annuler").click()
    expect(confirm).to_be_hidden()
    expect(clear).to_be_focused()
    expect(widget.user_text).to_have_text(["bonjour"])
    clear.click()
    page.keyboard.press("Escape")  # Échap cancels the question, not the panel
    expect(confirm).to_be_hidden()
    expect(widget.panel).to_be_visible()
    assert widget.session_id() == session_id
    clear.click()
    page.get_by_role("button", name="Effacer", exact=True).click()
    expect(widget.user).to_have_count(0)
    expect(widget.input).to_be_focused()
    assert widget.session_id() != session_id
    stored = page.evaluate("() => JSON.stringify(Object.assign({}, localStorage))")
    assert session_id not in stored, stored
    page.reload()
    widget.open()
    widget.wait_idle()
    expect(widget.user).to_have_count(0)


# ---- privacy at logout ---------------------------------------------------------------------


def test_widget_reading_logout_leaves_no_private_text(
    page: Page, widget: Widget, stack: Stack
) -> None:
    password = next(a.password for a in DEMO_ACCOUNTS if a.email == DEMO_NO_SIRET_EMAIL)
    page.get_by_label("Adresse électronique").fill(DEMO_NO_SIRET_EMAIL)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#login-welcome")).to_contain_text("Vous êtes connecté")
    widget.open()
    assert PRIVATE_REFERENCE in widget.send(f"où en est mon mémoire {PRIVATE_REFERENCE} ?")
    old_session = widget.session_id()
    old_key = page.evaluate("() => localStorage.getItem('claude-widget:key')").split(" ", 1)[1]
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    expect(widget.log).to_contain_text("Vous êtes déconnecté")
    assert PRIVATE_REFERENCE not in page.locator("body").inner_text()
    assert page.locator(f"text={PRIVATE_REFERENCE}").count() == 0
    assert widget.session_id() != old_session
    assert old_session not in page.evaluate("() => JSON.stringify(Object.assign({}, localStorage))")
    page.reload()
    widget.open()
    widget.wait_idle()
    assert PRIVATE_REFERENCE not in page.content()
    # Even with the old key, an anonymous caller gets none of the private turns.
    response = httpx.get(
        f"{stack.url}/api/chat/{old_session}/history",
        headers={"X-Conversation-Key": old_key},
        timeout=10,
    )
    assert response.status_code == 200 and PRIVATE_REFERENCE not in response.text


# ---- the launcher and the host page --------------------------------------------------------


CONTROLS = "a[href], button, input, select, textarea"
OVERLAPPING = """([selector, cover]) => Array.from(document.querySelectorAll(selector))
  .filter(n => !n.closest('[data-claude-widget]') && n.getClientRects().length)
  .map(n => [n.outerHTML.slice(0, 80), n.getBoundingClientRect()])
  .filter(([, b]) => b.bottom > cover.y && b.top < cover.y + cover.height
    && b.right > cover.x && b.left < cover.x + cover.width)
  .map(([html]) => html)"""


# A host page that keeps no room for the launcher, its last control at the very end of the
# page, on the right.
LAST_CONTROL = """() => {
  document.body.style.paddingBottom = '0';
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Haut de page';
  button.style.cssText = 'display: block; margin: 0 0 0 auto;';
  document.body.insertBefore(button, document.querySelector('.claude-w-spacer'));
}"""


def test_widget_reading_launcher_leaves_the_page_end_clear(
    page: Page, widget: Widget, stack: Stack
) -> None:
    for path in ("/", "/docs"):
        page.goto(stack.url + path)
        widget.launcher.first.wait_for()
        page.evaluate(LAST_CONTROL)
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        cover = widget.launcher.first.bounding_box()
        assert page.evaluate(OVERLAPPING, [CONTROLS, cover]) == [], path


def test_widget_reading_focused_control_is_scrolled_clear_of_the_launcher(
    page: Page, widget: Widget
) -> None:
    page.set_viewport_size({"width": 480, "height": 700})
    cover = widget.launcher.first.bounding_box()
    assert cover
    controls = page.locator("main a[href], main button, footer a[href]")
    checked = 0
    for index in range(controls.count()):
        control = controls.nth(index)
        box = control.bounding_box()
        if not box or box["x"] + box["width"] <= cover["x"]:
            continue  # not in the launcher's column
        # The page scrolled so that the control sits under the launcher, then it gets the
        # focus (as Tab does to a control already on screen: the browser does not scroll).
        page.evaluate("dy => window.scrollBy(0, dy)", box["y"] - cover["y"])
        control.evaluate("n => n.focus({preventScroll: true})")
        page.wait_for_timeout(100)  # the widget scrolls on the next frame
        after = control.bounding_box()
        assert after, index
        assert after["y"] + after["height"] <= cover["y"], control.inner_text()
        checked += 1
    assert checked >= 3


def test_widget_reading_launcher_offset_from_the_host_page(page: Page, stack: Stack) -> None:
    def with_offset(route: Route) -> None:
        html = (
            route.fetch()
            .text()
            .replace(
                "data-api-base=",
                'data-offset-bottom="6rem" data-offset-right="3rem" data-api-base=',
            )
        )
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    page.route(re.compile(r"/$"), with_offset)
    page.reload()
    launcher = page.locator(".claude-w__launcher")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box
    assert box["y"] + box["height"] == pytest.approx(900 - 96, abs=1)
    assert box["x"] + box["width"] == pytest.approx(1280 - 48, abs=1)


def test_widget_reading_no_serious_accessibility_violation(page: Page, widget: Widget) -> None:
    widget.open()
    widget.wait_idle()
    before = widget.bot.count()
    widget.log.get_by_role("button", name="Le portail Chorus Portal Pro est-il payant ?").click()
    widget.replies_after(before)
    violations = axe_violations(page)
    assert violations == [], dump(violations)
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Effacer la conversation").click()
    expect(page.locator(".claude-w__confirm")).to_be_visible()
    violations = axe_violations(page)
    assert violations == [], dump(violations)
    screenshot(page, "widget-375px")

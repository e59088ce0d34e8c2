"""The widget's « Effacer la conversation », in Chromium: after its confirmation it asks the
server to erase the conversation (``DELETE /api/chat/{id}`` with the conversation key) and
detaches it only once erased; when the server fails, a French message says so and the
conversation stays, so the user can try again.

The widget's own script runs on a bare host page; the chat API is answered by Playwright
(``page.route``) so the test needs no stack. The real endpoint is tested in
``tests/assistant/test_chat_erasure.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from storage.paths import REPO_ROOT

pytestmark = pytest.mark.browser

ORIGIN = "https://portail.test"
WIDGET = REPO_ROOT / "assistant" / "static" / "widget"
KEY = "k" * 43
HOST_PAGE = (
    '<!doctype html><html lang="fr"><head><title>Portail</title>'
    f'<link rel="stylesheet" href="{ORIGIN}/static/widget/claude-widget.css"></head>'
    f'<body><main><h1>Portail</h1></main><script src="{ORIGIN}/static/widget/claude-widget.js" '
    'defer data-page="Accueil"></script></body></html>'
)
ERASE_FAILED = "La conversation n'a pas pu être effacée."


class FakeApi:
    """The chat API as the widget uses it; ``erase_status`` is what DELETE answers."""

    def __init__(self) -> None:
        self.erase_status = 200
        self.erasures: list[dict[str, str]] = []

    def handle(self, route: Route) -> None:
        request = route.request
        path = request.url.removeprefix(ORIGIN).split("?", 1)[0]
        if path == "/":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=HOST_PAGE)
        elif path.startswith("/static/widget/"):
            name = path.rsplit("/", 1)[1]
            kind = "text/css" if name.endswith(".css") else "text/javascript; charset=utf-8"
            route.fulfill(status=200, content_type=kind, body=(WIDGET / name).read_text())
        elif path == "/api/chat" and request.method == "POST":
            body = json.loads(request.post_data or "{}")
            reply = {
                "session_id": body["session_id"],
                "messages": [{"text": "Bonjour !", "buttons": [], "links": []}],
                "turn_id": 1,
                "conversation_key": KEY,
            }
            self._json(route, 200, reply)
        elif request.method == "DELETE":
            self.erasures.append({**request.headers, "path": path})
            if self.erase_status == 200:
                body = {"session_id": "x", "erased_at": "2026-12-06T13:00:00Z", "detail": "ok"}
                self._json(route, 200, body)
            else:
                self._json(route, self.erase_status, {"detail": "Base indisponible.", "errors": []})
        elif path.endswith("/history"):
            self._json(route, 200, {"session_id": path.split("/")[3], "turns": []})
        else:  # the live line (events) and anything else: nothing to say
            route.fulfill(status=204, body="")

    @staticmethod
    def _json(route: Route, status: int, body: dict[str, Any]) -> None:
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))


@pytest.fixture
def host(browser: Browser) -> Iterator[tuple[Page, FakeApi]]:
    api = FakeApi()
    context = browser.new_context(locale="fr-FR")
    context.set_default_timeout(10_000)
    context.route(f"{ORIGIN}/**", api.handle)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(ORIGIN + "/")
    yield tab, api
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def test_widget_erasure_erases_on_the_server_then_detaches(host: tuple[Page, FakeApi]) -> None:
    page, api = host
    page.get_by_role("button", name="Poser une question à Claude, l'assistant virtuel").click()
    page.get_by_label("Votre message").fill("Mon IBAN est-il enregistré ?")
    page.get_by_label("Votre message").press("Enter")
    user = page.locator(".claude-w__msg--user")
    expect(user).to_have_count(1)
    session_id = str(page.evaluate("() => localStorage.getItem('claude-widget:session')"))
    expect(page.locator(".claude-w__msg--bot").last).to_contain_text("Bonjour !")

    api.erase_status = 503  # the server fails: the conversation stays, a French message
    page.get_by_role("button", name="Effacer la conversation").click()
    page.get_by_role("button", name="Effacer", exact=True).click()
    expect(page.locator(".claude-w__log")).to_contain_text(ERASE_FAILED + " Base indisponible.")
    expect(user).to_have_count(1)
    assert page.evaluate("() => localStorage.getItem('claude-widget:session')") == session_id

    api.erase_status = 200  # then it works: erased there, detached here
    page.get_by_role("button", name="Effacer la conversation").click()
    page.get_by_role("button", name="Effacer", exact=True).click()
    expect(page.locator(".claude-w__log")).to_contain_text("La conversation a été effacée.")
    expect(user).to_have_count(0)
    assert page.evaluate("() => localStorage.getItem('claude-widget:session')") != session_id
    assert [(e["path"], e.get("x-conversation-key")) for e in api.erasures] == [
        (f"/api/chat/{session_id}", KEY),
        (f"/api/chat/{session_id}", KEY),
    ]

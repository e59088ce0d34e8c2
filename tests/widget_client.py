"""A test client that keeps conversation keys as the chat widget does.

The widget stores the key that a conversation's first reply gives and sends it back in
``X-Conversation-Key`` with every later message, history read and feedback. Tests that
talk to ``/api/chat`` several times in one session use this client, so they exercise the
same protocol; tests of the key itself use a plain ``TestClient``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

KEY_HEADER = "X-Conversation-Key"
_HISTORY = re.compile(r"/api/chat/([^/]+)/history")
# Keys outlive one test: the test database (and its conversations) lasts the whole run.
KEYS: dict[str, str] = {}


def _session_of(url: str, json_body: Any) -> str | None:
    path = httpx.URL(url).path
    if path in {"/api/chat", "/api/chat/feedback"} and isinstance(json_body, dict):
        value = json_body.get("session_id")
        return value if isinstance(value, str) else None
    match = _HISTORY.fullmatch(path)
    return match.group(1) if match else None


class WidgetClient(TestClient):
    """``TestClient`` that remembers each conversation's key and presents it."""

    # The response's class is starlette's (httpx, or httpx2 with starlette >= 1.x): Any keeps
    # this override valid with either.
    def request(self, method: str, url: Any, **kwargs: Any) -> Any:
        session_id = _session_of(str(url), kwargs.get("json"))
        if session_id and session_id in KEYS:
            headers = dict(kwargs.get("headers") or {})
            headers.setdefault(KEY_HEADER, KEYS[session_id])
            kwargs["headers"] = headers
        response = super().request(method, url, **kwargs)
        if session_id and response.headers.get("content-type", "").startswith("application/json"):
            body = response.json()
            if isinstance(body, dict) and body.get("conversation_key"):
                KEYS[session_id] = body["conversation_key"]
        return response

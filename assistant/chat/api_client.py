"""The chat API's conversation keys on the client side, kept as the widget keeps them.

The evaluation, the benchmark and the end-to-end tests talk to ``POST /api/chat`` like the
widget: the first reply of a conversation gives its key, and every later request of that
conversation sends it back in ``X-Conversation-Key``.
"""

from __future__ import annotations

import httpx

KEY_HEADER = "X-Conversation-Key"


class ConversationKeys:
    """The keys of the conversations a client opened, by session id."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}

    def headers(self, session_id: str) -> dict[str, str]:
        """The header that opens ``session_id`` (none before its first reply)."""
        key = self._keys.get(session_id)
        return {KEY_HEADER: key} if key else {}

    def remember(self, session_id: str, response: httpx.Response) -> None:
        """Keep the key a reply carries (only a conversation's first reply has one)."""
        if response.status_code != 200:
            return
        try:
            key = response.json().get("conversation_key")
        except ValueError:
            return
        if isinstance(key, str) and key:
            self._keys[session_id] = key

    def key(self, session_id: str) -> str | None:
        return self._keys.get(session_id)

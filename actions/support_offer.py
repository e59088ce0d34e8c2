"""The offer of the support form, shared by every action that escalates to a human.

An offer is a bot message carrying the two buttons of ``utter_offer_support`` (domain):
« Oui, ouvrir une demande » starts the support form (payload ``/open_ticket``), « Non merci »
declines it (``/deny``).
Kept free of database imports so the retrieval and feedback actions can use it cheaply.
"""

from __future__ import annotations

from typing import Any

from actions.texts import buttons

OPEN_TICKET_PAYLOAD = "/open_ticket"
DECLINE_PAYLOAD = "/deny"
# The buttons of Rasa's own offer (``utter_offer_support``, domain/support.yml).
OFFER_BUTTONS: list[dict[str, str]] = buttons("utter_offer_support")


def offer_buttons() -> list[dict[str, str]]:
    """A fresh copy of the offer buttons (rasa-sdk keeps a reference to the list it gets)."""
    return [dict(button) for button in OFFER_BUTTONS]


def is_offer(bot_event: dict[str, Any]) -> bool:
    """Whether a ``bot`` tracker event offered the support form (it carries our button)."""
    data = bot_event.get("data") or {}
    offered = data.get("buttons") or []
    return any(isinstance(b, dict) and b.get("payload") == OPEN_TICKET_PAYLOAD for b in offered)

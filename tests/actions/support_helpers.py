"""Trackers, events and identities for the support actions' tests."""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Tracker

from assistant.config import get_settings
from portal.identity import identity_secret, sign_identity


def new_sender() -> str:
    return f"chat-{uuid.uuid4().hex[:12]}"


def new_email() -> str:
    return f"usager.{uuid.uuid4().hex[:8]}@exemple.fr"


def identity_metadata(sub: str, email: str) -> dict[str, Any]:
    token = sign_identity(
        identity_secret(get_settings()),
        sub=sub,
        email=email,
        name="Camille Martin",
        siret=None,
        ttl_s=600,
    )
    return {"identity_token": token, "page": "/factures"}


def make_tracker(
    *,
    sender: str = "test-user",
    text: str = "",
    intent: str = "ask_question",
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": entities or [],
                "metadata": metadata or {},
            },
            "events": events or [],
            "active_loop": {},
        }
    )


def user_event(text: str, intent: str, ts: float, metadata: dict[str, Any] | None = None) -> dict:
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.42}},
        "metadata": metadata or {},
    }


def bot_event(text: str, ts: float, buttons: list[dict[str, str]] | None = None) -> dict:
    return {"event": "bot", "timestamp": ts, "text": text, "data": {"buttons": buttons or []}}

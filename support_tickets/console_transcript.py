"""A ticket's messages as the console shows them: who wrote, the text in paragraphs, a button
the user clicked by its label (« Oui, ouvrir une demande », not ``/open_ticket``), and the
technical details (intent, scores, decision) kept apart for a toggle.

A clicked button reaches the ticket as its payload. Its label is found, in order: the entry
title for a « Vouliez-vous dire… » choice (``kb_entry_id``), the button of the assistant's
previous message among the buttons of Rasa's responses (``domain/*.yml``, read only), any
button of the responses with that payload.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from markupsafe import Markup, escape

from storage.paths import REPO_ROOT
from support_tickets.console_suggestions import kb_title
from support_tickets.models import TicketMessage

DOMAIN_DIR = REPO_ROOT / "domain"
PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w-]*)(?P<entities>\{.*\})?$", re.DOTALL)
FEEDBACK_LABEL = "Avis donné sur la réponse de l'assistant"
UNKNOWN_BUTTON_LABEL = "Choix d'un bouton"
MAX_DETAIL_CANDIDATES = 3


@lru_cache
def domain_buttons() -> tuple[tuple[str, str, str], ...]:
    """(response text, button payload, button title) of every button of Rasa's responses."""
    found: list[tuple[str, str, str]] = []
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for variants in (data.get("responses") or {}).values():
            for variant in variants or []:
                for button in variant.get("buttons") or []:
                    found.append(
                        (str(variant.get("text", "")), str(button["payload"]), str(button["title"]))
                    )
    return tuple(found)


def button_label(payload: str, previous_bot_text: str = "") -> str | None:
    """The label of the button that sent ``payload``; None if ``payload`` is typed text."""
    match = PAYLOAD.match(payload.strip())
    if match is None:
        return None
    if match["intent"] == "feedback":
        return FEEDBACK_LABEL
    entities: dict[str, Any] = {}
    if match["entities"]:
        try:
            loaded = json.loads(match["entities"])
        except ValueError:
            loaded = {}
        entities = loaded if isinstance(loaded, dict) else {}
    entry_id = entities.get("kb_entry_id")
    if isinstance(entry_id, str):
        return kb_title(entry_id) or UNKNOWN_BUTTON_LABEL
    buttons = [b for b in domain_buttons() if b[1] == payload.strip()]
    previous = previous_bot_text.strip()
    for text, _, title in buttons:
        if previous and text.strip() == previous:
            return title
    return buttons[0][2] if buttons else UNKNOWN_BUTTON_LABEL


def paragraphs(text: str) -> Markup:
    """Escaped text as ``<p>`` paragraphs (blank lines) with ``<br>`` (single line breaks)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in b.split("\n")))
        for b in blocks
    )


@dataclass
class MessageView:
    """One message of the page, ready for the template."""

    message: TicketMessage
    button: str | None = None  # the label of the clicked button, if the user clicked one
    details: list[tuple[str, str]] = field(default_factory=list)  # technical details


def _score(value: Any) -> str:
    return f" ({float(value):.2f})" if isinstance(value, int | float) else ""


def _candidate_name(candidate: Any) -> str:
    if isinstance(candidate, str):
        return kb_title(candidate) or candidate
    if isinstance(candidate, dict):
        name = (
            candidate.get("title") or kb_title(str(candidate.get("id", ""))) or candidate.get("id")
        )
        return f"{name or '?'}{_score(candidate.get('score', candidate.get('fused')))}"
    return "?"


def technical_details(meta: dict[str, Any] | None, payload: str | None) -> list[tuple[str, str]]:
    """(label, value) lines: intent and confidence, the knowledge base's decision, chosen
    entry and candidates, the payload of a button."""
    meta = meta or {}
    details: list[tuple[str, str]] = []
    if payload:
        details.append(("Contenu envoyé", payload))
    if meta.get("intent"):
        details.append(("Intention détectée", f"{meta['intent']}{_score(meta.get('confidence'))}"))
    kb = meta.get("kb")
    if isinstance(kb, dict):
        if kb.get("decision"):
            details.append(("Décision de la base de connaissances", str(kb["decision"])))
        if isinstance(kb.get("best_score"), int | float):
            details.append(("Meilleur score", f"{float(kb['best_score']):.2f}"))
        if isinstance(kb.get("selected"), str):
            details.append(("Entrée choisie", _candidate_name(kb["selected"])))
        candidates = kb.get("hits") or kb.get("candidates") or []
        if isinstance(candidates, list) and candidates:
            names = [_candidate_name(c) for c in candidates[:MAX_DETAIL_CANDIDATES]]
            details.append(("Candidats", ", ".join(names)))
    if meta.get("modele"):
        details.append(("Réponse type", str(meta["modele"])))
    return details


def message_views(messages: list[TicketMessage]) -> list[MessageView]:
    """The messages in order, each with its button label and technical details."""
    views: list[MessageView] = []
    previous_bot = ""
    for message in messages:
        label = button_label(message.body, previous_bot) if message.author_type == "user" else None
        views.append(
            MessageView(
                message, label, technical_details(message.meta, message.body if label else None)
            )
        )
        if message.author_type == "bot":
            previous_bot = message.body
    return views

"""Jinja2 templates of the console: ours first, then the shared page base (``base.html``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment

from support_tickets.console_transcript import paragraphs
from support_tickets.models import as_utc
from support_tickets.sla import PARIS
from support_tickets.taxonomy import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    PRIORITY_LABELS,
    ROLE_LABELS,
    SLA_LABELS,
    STATUS_AGENT_LABELS,
)
from web_common.templating import page_environment

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
EVENT_LABELS: dict[str, str] = {
    "creation": "Création du ticket",
    "doublon": "Doublon probable détecté",
    "statut": "Changement de statut",
    "priorite": "Changement de priorité",
    "assignation": "Assignation",
    "reponse": "Réponse à l'usager",
    "note": "Note interne",
    "message_usager": "Message de l'usager",
    "reouverture": "Réouverture par l'usager",
    "fusion": "Fusion",
    "incident": "Rattachement à un incident (tickets similaires de plusieurs usagers)",
}


def date_fr(value: dt.datetime | None) -> str:
    """``27/11/2026 à 14 h 05`` in Paris time; an em dash when absent."""
    if value is None:
        return "—"
    local = (as_utc(value) or value).astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local:%H} h {local:%M}"


def _label(names: dict[str, str], value: Any) -> str:
    """The French label of a vocabulary's value; the value itself if unknown, « — » if none."""
    label = names.get(value, value) if isinstance(value, str) else value
    return str(label or "—")


def describe_event(kind: str, detail: dict[str, Any]) -> str:
    """One line of the ticket's history, in French."""
    label = EVENT_LABELS.get(kind, kind)
    names = {"statut": STATUS_AGENT_LABELS, "priorite": PRIORITY_LABELS}.get(kind, {})
    if "de" in detail or "vers" in detail:
        return f"{label} : {_label(names, detail.get('de'))} → {_label(names, detail.get('vers'))}"
    for key, prefix in (
        ("ticket", "avec "),
        ("ticket_fusionne", "de "),
        ("fusionne_dans", "dans "),
    ):
        if detail.get(key):
            return f"{label} {prefix}{detail[key]}"
    if kind == "reponse":
        return _describe_reply(label, detail)
    if detail.get("modele"):
        return f"{label} (réponse type « {detail['modele']} »)"
    return label


def _describe_reply(label: str, detail: dict[str, Any]) -> str:
    """« Réponse à l'usager : « Bonjour… » (réponse type « X » modifiée) », from what was
    sent; older events carry only the template's key."""
    line = f"{label} : « {detail['extrait']} »" if detail.get("extrait") else label
    template = detail.get("modele_titre") or detail.get("modele")
    if template:
        edited = " modifiée" if detail.get("modele_modifie") else ""
        line += f" (réponse type « {template} »{edited})"
    return line


def _environment() -> Environment:
    env = page_environment(TEMPLATES_DIR)
    env.filters["date_fr"] = date_fr
    env.filters["paragraphs"] = paragraphs
    env.globals["describe_event"] = describe_event
    env.globals.update(
        CATEGORY_LABELS=CATEGORY_LABELS,
        CHANNEL_LABELS=CHANNEL_LABELS,
        PRIORITY_LABELS=PRIORITY_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        SLA_LABELS=SLA_LABELS,
        STATUS_LABELS=STATUS_AGENT_LABELS,
        EVENT_LABELS=EVENT_LABELS,
    )
    return env


templates = Jinja2Templates(env=_environment())

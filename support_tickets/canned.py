"""Canned responses: French reply templates with variables, seeded at start.

Variables: ``{prenom}``, ``{nom}``, ``{numero_ticket}``, ``{categorie}``, ``{reference}``,
``{agent}``. Unknown variables are left as typed, so a typo shows instead of failing.
"""

from __future__ import annotations

import difflib
import string
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from support_tickets.models import Agent, CannedResponse, Ticket
from support_tickets.taxonomy import CATEGORY_LABELS
from support_tickets.validation import NUL

CANNED_RESPONSES: tuple[dict[str, Any], ...] = (
    {
        "key": "accuse_reception",
        "title": "Prise en charge de la demande",
        "category": None,
        "body": (
            "Bonjour {prenom},\n\nJe prends en charge votre demande {numero_ticket} "
            "(« {categorie} »). Je reviens vers vous dès que possible.\n\nCordialement,\n{agent}"
        ),
    },
    {
        "key": "mot_de_passe",
        "title": "Mot de passe oublié",
        "category": "compte",
        "body": (
            "Bonjour {prenom},\n\nPour réinitialiser votre mot de passe, utilisez le lien "
            "« Mot de passe oublié » de la page de connexion : un lien de réinitialisation vous "
            "sera envoyé par e-mail. Si vous ne le recevez pas, vérifiez vos courriers "
            "indésirables puis répondez-moi ici.\n\nCordialement,\n{agent}"
        ),
    },
    {
        "key": "precisions",
        "title": "Demande de précisions",
        "category": None,
        "body": (
            "Bonjour {prenom},\n\nAfin de traiter votre demande {numero_ticket}, pourriez-vous "
            "me préciser la référence du formulaire concerné et, si possible, le message "
            "d'erreur affiché ?\n\nCordialement,\n{agent}"
        ),
    },
    {
        "key": "suivi_formulaire",
        "title": "Suivi d'un formulaire",
        "category": "suivi",
        "body": (
            "Bonjour {prenom},\n\nLe formulaire {reference} est bien enregistré. Son statut "
            "est visible à tout moment dans votre espace, rubrique « Suivi ». Je reste à votre "
            "disposition pour toute question.\n\nCordialement,\n{agent}"
        ),
    },
    {
        "key": "resolution",
        "title": "Demande résolue",
        "category": None,
        "body": (
            "Bonjour {prenom},\n\nJe considère votre demande {numero_ticket} comme résolue. Si "
            "ce n'est pas le cas, il vous suffit de répondre : elle sera rouverte."
            "\n\nCordialement,\n{agent}"
        ),
    },
)


# How close (difflib ratio) a sent reply must stay to its template for the history to name the
# template as « modifiée »; further off, the agent replaced the text and no template is named.
CANNED_EDITED_MIN_RATIO = 0.6


class _KeepUnknown(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def template_variables(ticket: Ticket, agent: Agent | None = None) -> dict[str, str]:
    """Values of the template variables for ``ticket``."""
    name = (ticket.requester_name or "").strip()
    first, _, last = name.partition(" ")
    return {
        "prenom": first or "Madame, Monsieur",
        "nom": last or first,
        "numero_ticket": ticket.number,
        "categorie": CATEGORY_LABELS.get(ticket.category, ticket.category),
        "reference": ticket.reference or "concerné",
        "agent": agent.name if agent else "L'équipe support",
    }


def render(body: str, ticket: Ticket, agent: Agent | None = None) -> str:
    """Fill the template's variables; unknown ones stay visible as typed."""
    return string.Formatter().vformat(body, (), _KeepUnknown(template_variables(ticket, agent)))


def _normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def template_use(
    session: Session, key: str | None, ticket: Ticket, agent: Agent | None, sent: str
) -> dict[str, Any]:
    """What the history says of the template a reply started from: ``modele`` (key) and
    ``modele_titre`` when the text sent is the template, ``modele_modifie`` too when it was
    edited but stays close (``CANNED_EDITED_MIN_RATIO``); nothing when the agent replaced it
    or used none."""
    template = get_canned(session, key) if key else None
    if template is None:
        return {}
    rendered = _normalized(render(template.body, ticket, agent))
    sent = _normalized(sent)
    used = {"modele": template.key, "modele_titre": template.title}
    if sent == rendered:
        return used
    if difflib.SequenceMatcher(None, rendered, sent).ratio() >= CANNED_EDITED_MIN_RATIO:
        return {**used, "modele_modifie": True}
    return {}


def list_canned(session: Session) -> list[CannedResponse]:
    return list(session.scalars(select(CannedResponse).order_by(CannedResponse.title)))


def get_canned(session: Session, key: str) -> CannedResponse | None:
    """The template ``key``; None if there is none (a key with a NUL character, which
    PostgreSQL would refuse to compare, is none)."""
    if NUL in key:
        return None
    return session.scalars(select(CannedResponse).where(CannedResponse.key == key)).first()


def seed_canned_responses(session: Session) -> int:
    """Insert the default templates that are missing (idempotent); returns how many."""
    existing = set(session.scalars(select(CannedResponse.key)))
    added = 0
    for item in CANNED_RESPONSES:
        if item["key"] not in existing:
            session.add(CannedResponse(**item))
            added += 1
    session.commit()
    return added

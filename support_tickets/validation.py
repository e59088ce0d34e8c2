"""Checks of what requesters and agents type: each returns the cleaned value or raises
:class:`TicketValidationError` with a French message and the name of the field."""

from __future__ import annotations

import re

from support_tickets.config import SupportSettings
from support_tickets.errors import TicketValidationError
from support_tickets.taxonomy import CATEGORIES

EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
MAX_EMAIL_CHARS = 254
MAX_REFERENCE_CHARS = 64
MAX_PAGE_CHARS = 200


def validate_email(email: str) -> str:
    value = (email or "").strip()
    if not value:
        raise TicketValidationError("Indiquez votre adresse e-mail.", "email")
    if len(value) > MAX_EMAIL_CHARS or not EMAIL_PATTERN.match(value):
        raise TicketValidationError(
            "L'adresse e-mail est invalide : vérifiez-la (exemple : nom@domaine.fr).", "email"
        )
    return value.lower()


def validate_category(category: str) -> str:
    if category not in CATEGORIES:
        raise TicketValidationError("Choisissez une catégorie dans la liste proposée.", "category")
    return category


def validate_description(description: str, settings: SupportSettings) -> str:
    value = (description or "").strip()
    if len(value) < settings.description_min_chars:
        raise TicketValidationError(
            f"Décrivez votre demande en au moins {settings.description_min_chars} caractères.",
            "description",
        )
    if len(value) > settings.description_max_chars:
        raise TicketValidationError(
            f"La description ne doit pas dépasser {settings.description_max_chars} caractères.",
            "description",
        )
    return value


def validate_reference(reference: str | None) -> str | None:
    value = (reference or "").strip()
    if not value:
        return None
    if len(value) > MAX_REFERENCE_CHARS:
        raise TicketValidationError(
            f"La référence ne doit pas dépasser {MAX_REFERENCE_CHARS} caractères.", "reference"
        )
    return value.upper()


def validate_text(text: str, settings: SupportSettings, what: str) -> str:
    """A message, a reply or a note: not empty, not longer than ``reply_max_chars``;
    ``what`` names it at the start of the French message (« La réponse »)."""
    value = (text or "").strip()
    if not value:
        raise TicketValidationError(f"{what} est vide.", "text")
    if len(value) > settings.reply_max_chars:
        raise TicketValidationError(
            f"{what} ne doit pas dépasser {settings.reply_max_chars} caractères.", "text"
        )
    return value


def normalise_reference(reference: str | None) -> str | None:
    """References compare without spaces, dashes or case (« mj 2024 1 » = « MJ-2024-1 »)."""
    return re.sub(r"[^A-Z0-9]", "", reference.upper()) if reference else None


def clip_page(page: str | None) -> str | None:
    """The portal page a request came from, cut to what the ticket stores (None if empty)."""
    return (page or "")[:MAX_PAGE_CHARS] or None

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
# The largest id of a row: ids are INTEGER columns, 32-bit on PostgreSQL (SQLite's are 64-bit,
# but an id that PostgreSQL cannot hold is no id of this application).
MAX_ROW_ID = 2**31 - 1
# An id as typed in a URL or a form: ASCII digits only (« ² » and « ٣ » are digits for
# ``str.isdigit``, not for a database), at most as many as MAX_ROW_ID has.
ROW_ID_PATTERN = re.compile(r"[0-9]{1,10}")
# PostgreSQL cannot store this character in a text column.
NUL = "\x00"


def is_row_id(value: int) -> bool:
    """Whether ``value`` can be the id of a stored row (1 to :data:`MAX_ROW_ID`)."""
    return 1 <= value <= MAX_ROW_ID


def parse_row_id(text: str | None) -> int | None:
    """The row id written in ``text`` (ASCII digits, within :data:`MAX_ROW_ID`); None when
    ``text`` is no such id."""
    if text is None or not ROW_ID_PATTERN.fullmatch(text):
        return None
    value = int(text)
    return value if is_row_id(value) else None


def _refuse_nul(value: str, what: str, field: str) -> str:
    """``value`` unless it holds a NUL character, which no database text column stores."""
    if NUL in value:
        raise TicketValidationError(
            f"{what} contient un caractère invalide (caractère nul) : retirez-le.", field
        )
    return value


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
    return _refuse_nul(value, "La description", "description")


def validate_reference(reference: str | None) -> str | None:
    value = (reference or "").strip()
    if not value:
        return None
    if len(value) > MAX_REFERENCE_CHARS:
        raise TicketValidationError(
            f"La référence ne doit pas dépasser {MAX_REFERENCE_CHARS} caractères.", "reference"
        )
    return _refuse_nul(value, "La référence", "reference").upper()


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
    return _refuse_nul(value, what, "text")


def normalise_reference(reference: str | None) -> str | None:
    """References compare without spaces, dashes or case (« mj 2024 1 » = « MJ-2024-1 »)."""
    return re.sub(r"[^A-Z0-9]", "", reference.upper()) if reference else None


def clip_page(page: str | None) -> str | None:
    """The portal page a request came from, cut to what the ticket stores (None if empty);
    NUL characters, which cannot be stored, are left out."""
    return (page or "").replace(NUL, "")[:MAX_PAGE_CHARS] or None

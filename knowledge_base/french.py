"""French formatting shared by every user-facing text: dates (« 1er janvier 2019 »)."""

from __future__ import annotations

import datetime as dt

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(value: dt.date | dt.datetime) -> str:
    """A date the French way: « 27 novembre 2026 », « 1er décembre 2026 »."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"

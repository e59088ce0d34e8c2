"""Dates: UTC normalisation and French formatting (« 12 mars 2024 »)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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


def as_utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime (SQLite returns naive ones, which are UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def add_years(value: dt.datetime, years: int) -> dt.datetime:
    """``value`` plus ``years`` calendar years (29 February becomes 28 February)."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def french_date(value: dt.datetime | dt.date) -> str:
    """« 1er mars 2024 », « 12 mars 2024 »."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def french_amount(value: object) -> str:
    """« 1 250,00 € » with a narrow no-break space between thousands."""
    text = f"{Decimal(str(value)):,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0€"

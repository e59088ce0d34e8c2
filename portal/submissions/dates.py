"""Dates: UTC normalisation and French formatting (« 12 mars 2024 »)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from knowledge_base.french import french_date
from storage.db import as_utc

__all__ = ["add_years", "as_utc", "french_amount", "french_date"]


def add_years(value: dt.datetime, years: int) -> dt.datetime:
    """``value`` plus ``years`` calendar years (29 February becomes 28 February)."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def french_amount(value: object) -> str:
    """« 1 250,00 € » with a narrow no-break space between thousands."""
    text = f"{Decimal(str(value)):,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0€"

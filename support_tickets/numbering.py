"""Ticket numbers ``SUP-<year>-<000042>``: one counter row per year, incremented inside the
transaction that inserts the ticket, so numbers are unique and without gaps, concurrently too.

On PostgreSQL the ``UPDATE … RETURNING`` locks the counter row until commit; on SQLite the
first statement of the transaction is a write, which takes the database's write lock (waiting
up to the busy timeout) before anything is read.
"""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from support_tickets.models import TicketCounter

NUMBER_PREFIX = "SUP"
NUMBER_DIGITS = 6
NUMBER_PATTERN = re.compile(r"\bSUP[\s-]?(\d{4})[\s-]?(\d{1,6})\b", re.IGNORECASE)


def format_number(year: int, value: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{value:0{NUMBER_DIGITS}d}"


def normalise_number(text: str) -> str | None:  # pragma: no mutate (annotation)
    """``sup 2026 42`` or ``SUP-2026-000042`` → ``SUP-2026-000042``; None if absent."""
    match = NUMBER_PATTERN.search(text or "")
    if not match:
        return None
    return format_number(int(match.group(1)), int(match.group(2)))


def next_number(session: Session, year: int) -> str:
    """Reserve the next number of ``year`` in the caller's transaction (committed with it)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(TicketCounter)
        .values(year=year, value=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    value = session.execute(
        update(TicketCounter)
        .where(TicketCounter.year == year)
        .values(value=TicketCounter.value + 1)
        .returning(TicketCounter.value)
    ).scalar_one()
    return format_number(year, value)

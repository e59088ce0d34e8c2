"""Ticket numbers: the ``SUP-<year>-<000042>`` format, reading a number back from what a
requester typed, and the per-year counter reserved in the caller's transaction (on a
throw-away SQLite file; concurrency is in test_concurrency.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.db import make_engine
from storage.migrate import upgrade
from support_tickets.models import TicketCounter
from support_tickets.numbering import format_number, next_number, normalise_number


@pytest.mark.parametrize(
    ("year", "value", "expected"),
    [
        (2026, 1, "SUP-2026-000001"),
        (2026, 42, "SUP-2026-000042"),
        (2026, 99_999, "SUP-2026-099999"),
        (2026, 100_000, "SUP-2026-100000"),
        (2026, 999_999, "SUP-2026-999999"),
        (2027, 7, "SUP-2027-000007"),
        (1999, 123_456, "SUP-1999-123456"),
        (2026, 0, "SUP-2026-000000"),
    ],
)
def test_format_number_pads_to_six_digits(year: int, value: int, expected: str) -> None:
    assert format_number(year, value) == expected


def test_format_number_never_truncates_beyond_six_digits() -> None:
    """A millionth ticket in a year keeps all its digits (no two tickets share a number)."""
    assert format_number(2026, 1_000_000) == "SUP-2026-1000000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SUP-2026-000042", "SUP-2026-000042"),
        ("sup-2026-000042", "SUP-2026-000042"),
        ("sup 2026 42", "SUP-2026-000042"),
        ("SUP2026000042", "SUP-2026-000042"),
        ("Sup-2026 42", "SUP-2026-000042"),
        ("SUP-2026-1", "SUP-2026-000001"),
        ("SUP-2026-999999", "SUP-2026-999999"),
        ("SUP-2031-000007", "SUP-2031-000007"),
        ("SUP-2026-0", "SUP-2026-000000"),
        ("Bonjour, mon ticket SUP-2026-000123 n'a pas de réponse.", "SUP-2026-000123"),
        ("(SUP-2026-5)", "SUP-2026-000005"),
        ("numéro : sup 2025 17.", "SUP-2025-000017"),
        ("SUP-2026-000042 puis SUP-2026-000043", "SUP-2026-000042"),  # the first one
        ("  SUP-2026-000042\n", "SUP-2026-000042"),
    ],
)
def test_normalise_number_reads_typed_forms(text: str, expected: str) -> None:
    assert normalise_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "bonjour",
        "SUP",
        "SUP-2026",
        "SUP-2026-",
        "SUP-26-000042",  # a two-digit year
        "SUP-202-42",  # a three-digit year
        "SUP-2026-1234567",  # seven digits: not one of our numbers
        "SUP_2026_000042",  # underscores are not separators
        "SUP--2026-000042",  # one separator at most
        "SUP-2026--42",
        "XSUP-2026-000042",  # glued to a word
        "SUP-2026-000042X",
        "SUP-2026-00004a",
        "TKT-2026-000042",
        "2026-000042",
    ],
)
def test_normalise_number_rejects_other_text(text: str) -> None:
    assert normalise_number(text) is None


def test_normalise_number_none_is_absent() -> None:
    """A missing query parameter or slot value may arrive as None."""
    assert normalise_number(None) is None  # type: ignore[arg-type]


def test_normalise_number_is_idempotent() -> None:
    number = format_number(2026, 314)
    assert normalise_number(number) == number
    assert normalise_number(normalise_number("sup 2026 314") or "") == "SUP-2026-000314"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("numbering") / "numbering.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _counter(engine: Engine, year: int) -> int | None:
    with Session(engine) as session:
        return session.scalar(select(TicketCounter.value).where(TicketCounter.year == year))


def test_next_number_starts_at_one_and_counts_up(engine: Engine) -> None:
    numbers = []
    for _ in range(4):
        with Session(engine) as session:
            numbers.append(next_number(session, 2041))
            session.commit()
    assert numbers == ["SUP-2041-000001", "SUP-2041-000002", "SUP-2041-000003", "SUP-2041-000004"]
    assert _counter(engine, 2041) == 4


def test_next_number_counts_each_year_separately(engine: Engine) -> None:
    with Session(engine) as session:
        assert next_number(session, 2042) == "SUP-2042-000001"
        assert next_number(session, 2042) == "SUP-2042-000002"
        assert next_number(session, 2043) == "SUP-2043-000001"
        assert next_number(session, 2042) == "SUP-2042-000003"
        session.commit()
    assert (_counter(engine, 2042), _counter(engine, 2043)) == (3, 1)


def test_next_number_rolled_back_leaves_no_gap(engine: Engine) -> None:
    """The number is reserved in the caller's transaction: a ticket that fails to be stored
    gives its number back, so numbers stay without gaps."""
    with Session(engine) as session:
        assert next_number(session, 2044) == "SUP-2044-000001"
        session.commit()
    with Session(engine) as session:
        assert next_number(session, 2044) == "SUP-2044-000002"
        session.rollback()
    assert _counter(engine, 2044) == 1
    with Session(engine) as session:
        assert next_number(session, 2044) == "SUP-2044-000002"
        session.commit()
    assert _counter(engine, 2044) == 2


def test_next_number_first_of_year_rolled_back_creates_no_counter(engine: Engine) -> None:
    with Session(engine) as session:
        assert next_number(session, 2045) == "SUP-2045-000001"
        session.rollback()
    assert _counter(engine, 2045) is None

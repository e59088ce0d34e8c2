"""Tests of knowledge_base.rollout.figures: French figures read from a message and written
back in French. Expected values are written by hand."""

from __future__ import annotations

import dataclasses
import json

import pytest

from knowledge_base.rollout import Figures, Quantity, extract_figures, format_eur, format_number

M = 1_000_000
G = 1_000_000_000
NB = "\u00a0"


def _values(text: str) -> tuple[float | None, float | None, float | None]:
    figures = extract_figures(text)
    return tuple(  # type: ignore[return-value]
        q.value if q is not None else None
        for q in (figures.employees, figures.turnover_eur, figures.balance_sheet_eur)
    )


# ---------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("2 millions", 2 * M),
        ("1 million", 1 * M),
        ("1,5 M€", 1.5 * M),
        ("1.5 M€", 1.5 * M),
        ("43 M", 43 * M),
        ("3m", 3 * M),
        ("3M€", 3 * M),
        ("5 mio", 5 * M),
        ("5 MEUR", 5 * M),
        ("1 milliard", 1 * G),
        ("2 milliards", 2 * G),
        ("2,25 Md€", 2.25 * G),
        ("1 md", 1 * G),
        ("3 mds", 3 * G),
        ("4 mrd", 4 * G),
        ("2 mrds", 2 * G),
        ("300 k€", 300_000),
        ("300 keur", 300_000),
        ("300 mille euros", 300_000),
        ("500 euros", 500),
        ("500 eur", 500),
        ("300 €", 300),
        ("1.000.000 €", 1 * M),
        ("1 000 000 €", 1 * M),
        (f"1{NB}000{NB}000 €", 1 * M),
        ("1\u202f000\u202f000 €", 1 * M),
        ("12,345 M€", 12_345_000),
        ("1.23 M€", 1_230_000),
        ("1.234 €", 1234),
    ],
)
def test_extract_figures_amount_units(text: str, amount: float) -> None:
    assert _values(text) == (None, amount, None)


@pytest.mark.parametrize(
    ("text", "employees"),
    [
        ("250 salariés", 250),
        ("1 salarié", 1),
        ("12 employés", 12),
        ("3 collaboratrices", 3),
        ("3 collaborateurs", 3),
        ("2 ETP", 2),
        ("4 UTA", 4),
        ("7 équivalents temps plein", 7),
        ("8 ouvriers", 8),
        ("9 emplois", 9),
        ("6 agents", 6),
        ("9,5 salariés", 9.5),
        ("effectifs : 12", 12),
        ("effectif total de 300", 300),
        ("effectif de 45", 45),
        ("je travaille seule", 1),
        ("je suis tout seul", 1),
        ("sans salarié", 1),
        ("aucun employé", 1),
        ("zéro salarié", 1),
    ],
)
def test_extract_figures_headcount_forms(text: str, employees: float) -> None:
    assert _values(text) == (employees, None, None)


@pytest.mark.parametrize("text", ["12 m2", "5 kg", "en 2024", "le 29", ""])
def test_extract_figures_no_amount(text: str) -> None:
    assert extract_figures(text).turnover_eur is None


def test_extract_figures_first_headcount_wins() -> None:
    assert _values("10 salariés, bientôt 20 employés") == (10, None, None)


def test_extract_figures_headcount_with_unit_beats_headcount_phrase() -> None:
    assert _values("effectif de 45 et 30 salariés") == (30, None, None)


# ---------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("moins de 10 salariés", Quantity(10, "less")),
        ("pas plus de 10 salariés", Quantity(10, "less")),
        ("inférieur à 10 salariés", Quantity(10, "less")),
        ("plus de 250 salariés", Quantity(250, "more")),
        ("supérieur à 250 salariés", Quantity(250, "more")),
        ("au-delà de 250 salariés", Quantity(250, "more")),
        ("250 salariés", Quantity(250, "exact")),
    ],
)
def test_extract_figures_headcount_bounds(text: str, quantity: Quantity) -> None:
    assert extract_figures(text).employees == quantity


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("moins d'1 M€", Quantity(1 * M, "less")),
        ("plus d'1 M€", Quantity(1 * M, "more")),
        ("inférieur à 2 M€", Quantity(2 * M, "less")),
        ("supérieur à 43 M€", Quantity(43 * M, "more")),
        ("au-delà de 50 M€", Quantity(50 * M, "more")),
    ],
)
def test_extract_figures_amount_bounds(text: str, quantity: Quantity) -> None:
    assert extract_figures(text).turnover_eur == quantity


# ---------------------------------------------------------------- turnover or balance sheet


@pytest.mark.parametrize(
    ("text", "turnover", "balance"),
    [
        ("43 M€ de bilan", None, 43 * M),
        ("bilan 43 M€", None, 43 * M),
        ("total du bilan 43 M€ et CA 60 M€", 60 * M, 43 * M),
        ("30 M€ de CA et 20 M€ de bilan", 30 * M, 20 * M),
        ("bilan 43 M€ et 50 M€", 50 * M, 43 * M),
        ("50 M€ et 43 M€", 50 * M, None),
        ("CA de 40 millions, bilan 43 M€", 40 * M, 43 * M),
        ("bilan de 43 M€, 12 M€ de CA, 20 M€ de bilan", 12 * M, 43 * M),
        ("chiffre d affaires de 3 M€", 3 * M, None),
        ("2 M€ de chiffre d'affaire", 2 * M, None),
        ("mon c.a. est de 3 M€", 3 * M, None),
        ("ventes 5 M€, bilan 3 M€", 5 * M, 3 * M),
        ("pas le CA mais le bilan : 43 M€", None, 43 * M),  # the nearest label wins
        ("bilan ou plutôt CA : 43 M€", 43 * M, None),
    ],
)
def test_extract_figures_balance_sheet_or_turnover(
    text: str, turnover: float | None, balance: float | None
) -> None:
    assert _values(text) == (None, turnover, balance)


def test_extract_figures_label_window_before_an_amount() -> None:
    # « bilan » counts up to 40 characters before the amount
    assert _values("bilan" + " " * 35 + "43 M€") == (None, None, 43 * M)
    assert _values("bilan" + " " * 36 + "43 M€") == (None, 43 * M, None)


def test_extract_figures_label_window_after_an_amount() -> None:
    # « de bilan » counts up to 40 characters after the amount
    assert _values("43 M" + " " * 35 + "bilan") == (None, None, 43 * M)
    assert _values("43 M" + " " * 36 + "bilan") == (None, 43 * M, None)
    assert _values("soit 43 M" + " " * 35 + "bilan") == (None, None, 43 * M)
    assert _values("soit 43 M" + " " * 36 + "bilan") == (None, 43 * M, None)


@pytest.mark.parametrize(
    ("text", "turnover", "balance"),
    [
        ("CA de 500000", 500_000, None),
        ("CA 1000", 1000, None),
        ("CA de 999", None, None),
        ("CA annuel : 2000000", 2 * M, None),
        ("chiffre d'affaires = 75000", 75_000, None),
        ("bilan : 5000", None, 5000),
        ("bilan de 5000", None, 5000),
        ("bilan" + " " * 20 + "5000", None, 5000),  # label within 25 characters
        ("bilan" + " " * 21 + "5000", None, None),
        ("en 2018, 12 salariés", None, None),
    ],
)
def test_extract_figures_bare_numbers_after_a_label(
    text: str, turnover: float | None, balance: float | None
) -> None:
    _, found_turnover, found_balance = _values(text)
    assert (found_turnover, found_balance) == (turnover, balance)


def test_extract_figures_whole_sentence() -> None:
    figures = extract_figures(
        "Nous sommes 45 salariés, chiffre d'affaires 12,5 M€ et bilan de 9 millions d'euros"
    )
    assert figures == Figures(Quantity(45), Quantity(12.5 * M), Quantity(9 * M))


# ---------------------------------------------------------------- Quantity and Figures


def test_quantity_comparable_bounds() -> None:
    assert 9.999 < Quantity(10, "less").comparable < 10
    assert 10 < Quantity(10, "more").comparable < 10.001
    assert Quantity(10).comparable == 10


@pytest.mark.parametrize(
    ("quantity", "text"),
    [
        (Quantity(1), "1 personne"),
        (Quantity(1.5), "1,5 personne"),
        (Quantity(2), "2 personnes"),
        (Quantity(9.5), "9,5 personnes"),
        (Quantity(3000), f"3{NB}000 personnes"),
        (Quantity(10, "less"), "moins de 10 personnes"),
        (Quantity(250, "more"), "plus de 250 personnes"),
    ],
)
def test_quantity_people_in_french(quantity: Quantity, text: str) -> None:
    assert quantity.people() == text


@pytest.mark.parametrize(
    ("quantity", "text"),
    [
        (Quantity(300_000), f"300{NB}000{NB}€"),
        (Quantity(2 * M, "less"), "moins de 2 millions d'euros"),
        (Quantity(50 * M, "more"), "plus de 50 millions d'euros"),
    ],
)
def test_quantity_euros_in_french(quantity: Quantity, text: str) -> None:
    assert quantity.euros() == text


def test_quantity_qualifier_read_from_json() -> None:
    # a qualifier built at run time (a slot read back from JSON) is compared by value
    less, more, exact = json.loads('["less", "more", "exact"]')
    assert Quantity(10, less).comparable < 10 < Quantity(10, more).comparable
    assert Quantity(10, exact).comparable == 10
    assert Quantity(1, exact).people() == "1 personne"
    assert Quantity(10, less).people() == "moins de 10 personnes"


def test_quantity_is_an_immutable_value() -> None:
    assert Quantity(10, "less") == Quantity(10, "less") != Quantity(10, "more")
    assert len({Quantity(10), Quantity(10.0), Quantity(10, "less")}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        Quantity(10).value = 11  # type: ignore[misc]


def test_figures_empty_only_without_any_figure() -> None:
    assert Figures().empty
    assert not Figures(employees=Quantity(1)).empty
    assert not Figures(turnover_eur=Quantity(1)).empty
    assert not Figures(balance_sheet_eur=Quantity(1)).empty


def test_figures_is_an_immutable_value() -> None:
    figures = Figures(Quantity(10), None, Quantity(2 * M))
    assert figures == Figures(Quantity(10), None, Quantity(2 * M))
    assert hash(figures) == hash(Figures(Quantity(10), None, Quantity(2 * M)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        figures.employees = None  # type: ignore[misc]


def test_figures_merged_newer_wins_and_completes() -> None:
    older = Figures(Quantity(10), Quantity(1 * M), None)
    newer = Figures(None, Quantity(3 * M), Quantity(2 * M))
    assert older.merged(newer) == Figures(Quantity(10), Quantity(3 * M), Quantity(2 * M))
    assert newer.merged(older) == Figures(Quantity(10), Quantity(1 * M), Quantity(2 * M))


# ---------------------------------------------------------------- writing figures


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (999, "999"),
        (136_000, f"136{NB}000"),
        (1_234_567, f"1{NB}234{NB}567"),
        (9.5, "9,5"),
        (9.25, "9,25"),
        (2.0, "2"),
    ],
)
def test_format_number_french(value: float, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, f"0{NB}€"),
        (999.4, f"999{NB}€"),
        (300_000, f"300{NB}000{NB}€"),
        (999_999, f"999{NB}999{NB}€"),
        (1 * M, "1 million d'euros"),
        (1_250_000, "1,25 million d'euros"),
        (1_234_567, f"1{NB}234{NB}567{NB}€"),
        (1.99 * M, "1,99 million d'euros"),
        (2 * M, "2 millions d'euros"),
        (43 * M, "43 millions d'euros"),
        (999 * M, "999 millions d'euros"),
        (1 * G, "1 milliard d'euros"),
        (1.5 * G, "1,5 milliard d'euros"),
        (2 * G, "2 milliards d'euros"),
        (2.25 * G, "2,25 milliards d'euros"),
    ],
)
def test_format_eur_french(amount: float, text: str) -> None:
    assert format_eur(amount) == text


def test_quantity_people_of_one_with_a_bound_is_said_in_words() -> None:
    assert Quantity(1, "more").people() == "plus d'une personne"
    assert Quantity(1, "less").people() == "moins d'une personne"
    assert Quantity(2, "more").people() == "plus de 2 personnes"

"""Tests of knowledge_base.rollout.classification and of the calendar data it relies on.

Every expected value is written by hand from the texts (décret n° 2008-1354 article 3,
the 2017-2020 calendar, the 2026-2027 B2B calendar, the agricultural fuel regime), never
read back from rollout.yml: a wrong figure in the data fails here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from knowledge_base.content import ROLLOUT_FILE, ContentError
from knowledge_base.rollout import Quantity, classify, get_rules, load_rules
from knowledge_base.rollout.models import Criteria, RolloutRules

RULES = get_rules()
M = 1_000_000
G = 1_000_000_000
NB = "\u00a0"
SOURCE = "décret n° 2008-1354 du 18 décembre 2008"


def _category_id(employees: object, turnover: object, balance: object = None) -> str | None:
    result = classify(employees, turnover, balance, RULES)  # type: ignore[arg-type]
    return result.category.id if result.category else None


# ---------------------------------------------------------------- data, by hand


def test_rules_size_criteria_are_the_decree_thresholds() -> None:
    criteria = {c.id: c.criteria for c in RULES.categories}
    assert criteria == {
        "micro": Criteria(10, 2 * M, 2 * M, "turnover_or_balance"),
        "pme": Criteria(250, 50 * M, 43 * M, "turnover_or_balance"),
        "eti": Criteria(5000, 1500 * M, 2 * G, "turnover_or_balance"),
        "grande_entreprise": None,
    }


def test_rules_public_calendar_dates_and_counts() -> None:
    by_id = {c.id: (c.obligation_date, c.count, c.short_label) for c in RULES.categories}
    assert by_id == {
        "grande_entreprise": (dt.date(2017, 1, 1), 30000, "grande entreprise"),
        "eti": (dt.date(2018, 1, 1), 45000, "ETI"),
        "pme": (dt.date(2019, 1, 1), 136000, "PME"),
        "micro": (dt.date(2020, 1, 1), None, "micro-entreprise"),
    }
    assert RULES.all_companies_from == dt.date(2020, 1, 1)
    assert [w.date for w in RULES.waves] == [dt.date(y, 1, 1) for y in (2017, 2018, 2019, 2020)]
    assert RULES.public.acceptance_date == dt.date(2017, 1, 1)
    assert RULES.public.issuing_date == dt.date(2017, 1, 1)
    assert RULES.public.state_since == dt.date(2012, 1, 1)
    assert {g.id: g.obligation_date for g in RULES.early_groups} == {
        "filiale_grande_entreprise": dt.date(2017, 1, 1),
        "volontaire": dt.date(2017, 1, 1),
        "fournisseur_etat_dematerialise": dt.date(2017, 1, 1),
    }


def test_rules_b2b_calendar_2026_2027() -> None:
    b2b = RULES.b2b
    assert b2b.receive_from == dt.date(2026, 9, 1)
    assert b2b.issue_date("grande_entreprise") == dt.date(2026, 9, 1)
    assert b2b.issue_date("eti") == dt.date(2026, 9, 1)
    assert b2b.issue_date("pme") == dt.date(2027, 9, 1)
    assert b2b.issue_date("micro") == dt.date(2027, 9, 1)
    assert b2b.vat_group_issue_from == dt.date(2026, 9, 1)


def test_rules_agricultural_fuels_regime() -> None:
    fuels = RULES.fuels
    assert fuels.online_everywhere_campaign == 2018
    assert fuels.online_compulsory_campaign == 2021
    assert fuels.gnr_reduced_rate_invoiced_from == dt.date(2024, 7, 1)
    assert fuels.gnr_agricultural_rate == "3,86 € par hectolitre"
    assert fuels.refund_portal == "Chorus Pro"
    assert RULES.pilot.portal == "DémaTIC"
    assert len(RULES.pilot.eligible_applicants) == 5


# ---------------------------------------------------------------- boundaries


@pytest.mark.parametrize(
    ("employees", "expected"),
    [
        (0, "micro"),
        (9, "micro"),
        (9.99, "micro"),
        (10, "pme"),
        (10.01, "pme"),
        (249.5, "pme"),
        (250, "eti"),
        (4999.5, "eti"),
        (5000, "grande_entreprise"),
        (5001, "grande_entreprise"),
    ],
)
def test_classify_headcount_caps_are_exclusive(employees: float, expected: str) -> None:
    # turnover 1 € fits every cap: only the headcount decides
    assert _category_id(employees, 1) == expected


@pytest.mark.parametrize(
    ("turnover", "expected"),
    [
        (2 * M - 1, "micro"),
        (2 * M, "micro"),
        (2 * M + 1, "pme"),
        (50 * M, "pme"),
        (50 * M + 1, "eti"),
        (1500 * M, "eti"),
        (1500 * M + 1, "grande_entreprise"),
    ],
)
def test_classify_turnover_caps_are_inclusive(turnover: float, expected: str) -> None:
    # 5 people fit every headcount cap; the balance sheet is too big for all of them
    assert _category_id(5, turnover, 3 * G) == expected


@pytest.mark.parametrize(
    ("balance", "expected"),
    [
        (2 * M, "micro"),
        (2 * M + 1, "pme"),
        (43 * M, "pme"),
        (43 * M + 1, "eti"),
        (2 * G, "eti"),
        (2 * G + 1, "grande_entreprise"),
    ],
)
def test_classify_balance_sheet_caps_are_inclusive(balance: float, expected: str) -> None:
    # the turnover is too big for every cap: only the balance sheet can save the category
    assert _category_id(5, 3 * G, balance) == expected


@pytest.mark.parametrize(
    ("employees", "turnover", "expected"),
    [
        (Quantity(10, "less"), 1, "micro"),  # « moins de 10 salariés »
        (Quantity(9, "more"), 1, "micro"),  # « plus de 9 » may still be 9,5
        (Quantity(9.5, "more"), 1, "micro"),
        (Quantity(10, "more"), 1, "pme"),
        (Quantity(250, "less"), 1, "pme"),
        (Quantity(250, "more"), 1, "eti"),
        (Quantity(5000, "less"), 1, "eti"),
        (5, Quantity(2 * M, "less"), "micro"),
        (5, Quantity(2 * M, "more"), "pme"),
        (5, Quantity(50 * M, "more"), "eti"),
        (5, Quantity(1500 * M, "more"), "grande_entreprise"),
    ],
)
def test_classify_bounds_around_the_caps(
    employees: Quantity | int, turnover: Quantity | int, expected: str
) -> None:
    assert _category_id(employees, turnover) == expected


def test_classify_balance_sheet_bound_below_cap() -> None:
    assert _category_id(5, 3 * G, Quantity(2 * M, "less")) == "micro"
    assert _category_id(5, 3 * G, Quantity(2 * M, "more")) == "pme"


def test_classify_headcount_and_finance_must_both_hold() -> None:
    assert _category_id(12, 1 * M) == "pme"  # finance fits micro, headcount does not
    assert _category_id(3, 60 * M, 60 * M) == "eti"  # headcount fits micro, finance does not


# ---------------------------------------------------------------- missing figures


@pytest.mark.parametrize(
    ("employees", "turnover", "balance", "missing"),
    [
        (None, None, None, ("employees", "turnover")),
        (5, None, None, ("turnover",)),
        (9.5, None, None, ("turnover",)),
        (None, 1 * M, None, ("employees",)),
        (None, None, 1 * M, ("employees",)),
        (None, 60 * M, None, ("employees",)),  # fails micro and PME, might be an ETI
    ],
)
def test_classify_missing_figures(
    employees: float | None, turnover: float | None, balance: float | None, missing: tuple
) -> None:
    result = classify(employees, turnover, balance, RULES)
    assert result.category is None
    assert not result.decided
    assert result.missing == missing
    assert result.reason == "" and result.caveat == ""


def test_classify_headcount_alone_above_every_cap_is_decided() -> None:
    result = classify(5000, None, None, RULES)
    assert result.decided and result.category is not None
    assert result.category.id == "grande_entreprise"
    assert result.missing == ()


def test_classify_turnover_alone_above_every_cap_is_decided() -> None:
    # the employee condition is unknown, but the financial one fails every category
    result = classify(None, 3 * G, None, RULES)
    assert result.category is not None and result.category.id == "grande_entreprise"
    assert result.caveat == ""


def test_classify_without_rules_reads_the_packaged_file() -> None:
    result = classify(3, 500_000)
    assert result.category is not None and result.category.id == "micro"


# ---------------------------------------------------------------- reason and caveat


def test_classify_reason_micro_on_turnover() -> None:
    result = classify(3, 500_000, None, RULES)
    assert result.reason == (
        f"Avec 3 personnes et un chiffre d'affaires de 500{NB}000{NB}€, votre entreprise "
        "occupe moins de 10 personnes et son chiffre d'affaires n'excède pas 2 millions "
        f"d'euros : c'est une micro-entreprise au sens du {SOURCE}."
    )
    assert result.caveat == ""


def test_classify_reason_micro_on_balance_sheet() -> None:
    result = classify(4, 3 * M, 1.5 * M, RULES)
    assert result.reason == (
        "Avec 4 personnes, un chiffre d'affaires de 3 millions d'euros et un total de bilan "
        "de 1,5 million d'euros, votre entreprise occupe moins de 10 personnes et son total "
        "de bilan n'excède pas 2 millions d'euros : c'est une micro-entreprise au sens du "
        f"{SOURCE}."
    )


def test_classify_reason_one_person_balance_sheet_only() -> None:
    result = classify(1, None, 2 * M, RULES)
    assert result.reason == (
        "Avec 1 personne et un total de bilan de 2 millions d'euros, votre entreprise occupe "
        "moins de 10 personnes et son total de bilan n'excède pas 2 millions d'euros : "
        f"c'est une micro-entreprise au sens du {SOURCE}."
    )


def test_classify_reason_pme_after_one_refusal() -> None:
    result = classify(12, 1.5 * M, None, RULES)
    assert result.reason == (
        "Avec 12 personnes et un chiffre d'affaires de 1,5 million d'euros, votre entreprise "
        "n'est pas une micro-entreprise (il faut occuper moins de 10 personnes) ; elle occupe "
        "moins de 250 personnes et son chiffre d'affaires n'excède pas 50 millions d'euros : "
        f"c'est une PME au sens du {SOURCE}."
    )


def test_classify_reason_eti_after_two_refusals() -> None:
    result = classify(300, 60 * M, 50 * M, RULES)
    assert result.reason == (
        "Avec 300 personnes, un chiffre d'affaires de 60 millions d'euros et un total de bilan "
        "de 50 millions d'euros, votre entreprise n'est pas une micro-entreprise (il faut "
        "occuper moins de 10 personnes) et n'est pas une PME (il faut occuper moins de 250 "
        f"personnes) ; elle occupe moins de 5{NB}000 personnes et son chiffre d'affaires "
        f"n'excède pas 1,5 milliard d'euros : c'est une ETI au sens du {SOURCE}."
    )
    assert result.caveat == ""  # the balance sheet is known and too big for a PME


def test_classify_reason_grande_entreprise_after_three_refusals() -> None:
    result = classify(6000, None, None, RULES)
    assert result.reason == (
        f"Avec 6{NB}000 personnes, votre entreprise n'est pas une micro-entreprise (il faut "
        "occuper moins de 10 personnes), n'est pas une PME (il faut occuper moins de 250 "
        f"personnes) et n'est pas une ETI (il faut occuper moins de 5{NB}000 personnes) : "
        f"c'est une grande entreprise au sens du {SOURCE}."
    )


def test_classify_reason_financial_refusals() -> None:
    result = classify(None, 3 * G, 3 * G, RULES)
    assert result.reason == (
        "Avec un chiffre d'affaires de 3 milliards d'euros et un total de bilan de 3 milliards "
        "d'euros, votre entreprise n'est pas une micro-entreprise (il faut un chiffre "
        "d'affaires d'au plus 2 millions d'euros ou un total de bilan d'au plus 2 millions "
        "d'euros), n'est pas une PME (il faut un chiffre d'affaires d'au plus 50 millions "
        "d'euros ou un total de bilan d'au plus 43 millions d'euros) et n'est pas une ETI (il "
        "faut un chiffre d'affaires d'au plus 1,5 milliard d'euros ou un total de bilan d'au "
        f"plus 2 milliards d'euros) : c'est une grande entreprise au sens du {SOURCE}."
    )


def test_classify_reason_states_bounds_in_words() -> None:
    result = classify(Quantity(10, "less"), Quantity(2 * M, "more"), None, RULES)
    assert result.reason.startswith(
        "Avec moins de 10 personnes et un chiffre d'affaires de plus de 2 millions d'euros, "
    )


def test_classify_caveat_pme_when_balance_sheet_unknown() -> None:
    result = classify(180, 70 * M, None, RULES)
    assert result.category is not None and result.category.id == "eti"
    assert result.caveat == (
        "Si le total de bilan de votre entreprise ne dépasse pas 43 millions d'euros, elle est "
        "en revanche une PME : précisez-le-moi et je vérifierai."
    )


def test_classify_caveat_names_the_smallest_category() -> None:
    # 5 people: micro and PME both fail on turnover alone; the first (micro) is named
    result = classify(5, 60 * M, None, RULES)
    assert result.category is not None and result.category.id == "eti"
    assert "2 millions d'euros" in result.caveat
    assert "une micro-entreprise" in result.caveat


@pytest.mark.parametrize(
    ("employees", "turnover", "balance"),
    [
        (180, 70 * M, 50 * M),  # balance sheet known: nothing left to ask
        (300, 70 * M, None),  # the headcount already rules out a PME
        (180, 40 * M, None),  # a PME on its turnover
    ],
)
def test_classify_no_caveat(employees: float, turnover: float, balance: float | None) -> None:
    assert classify(employees, turnover, balance, RULES).caveat == ""


# ---------------------------------------------------------------- other rules files


def _with_micro(rules: RolloutRules, **changes: object) -> RolloutRules:
    micro = rules.category("micro")
    assert micro.criteria is not None
    criteria = replace(micro.criteria, **changes)  # type: ignore[arg-type]
    others = tuple(c for c in rules.categories if c.id != "micro")
    return replace(rules, categories=(replace(micro, criteria=criteria), *others))


@pytest.mark.parametrize(
    ("turnover", "balance", "expected"),
    [
        (1 * M, 1 * M, "micro"),
        (1 * M, 3 * M, "pme"),
        (3 * M, 1 * M, "pme"),
        (2 * M, 2 * M, "micro"),
    ],
)
def test_classify_turnover_and_balance_rule_needs_both(
    turnover: float, balance: float, expected: str
) -> None:
    rules = _with_micro(RULES, financial_rule="turnover_and_balance")
    result = classify(5, turnover, balance, rules)
    assert result.category is not None and result.category.id == expected


def test_classify_turnover_and_balance_rule_read_from_a_rules_file(tmp_path: Path) -> None:
    text = ROLLOUT_FILE.read_text(encoding="utf-8")
    micro_rule = "max_balance_sheet_eur: 2000000\n      financial_rule: turnover_or_balance"
    assert text.count(micro_rule) == 1
    path = tmp_path / "rollout.yml"
    path.write_text(
        text.replace(micro_rule, micro_rule.replace("or_balance", "and_balance")), "utf-8"
    )
    rules = load_rules(path)
    assert _category_id_with(rules, 5, 1 * M, 3 * M) == "pme"
    assert _category_id_with(rules, 5, 1 * M, 2 * M) == "micro"
    assert _category_id_with(RULES, 5, 1 * M, 3 * M) == "micro"


def _category_id_with(rules: RolloutRules, *figures: float) -> str | None:
    result = classify(*figures, rules=rules)
    return result.category.id if result.category else None


def test_classify_result_is_an_immutable_value() -> None:
    result = classify(3, 500_000, None, RULES)
    assert result == classify(3, 500_000, None, RULES)
    assert hash(result) == hash(classify(3, 500_000, None, RULES))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.caveat = "autre"  # type: ignore[misc]


def test_classify_uses_the_rules_it_is_given() -> None:
    rules = _with_micro(RULES, max_employees_exclusive=20)
    result = classify(15, 1 * M, None, rules)
    assert result.category is not None and result.category.id == "micro"
    assert "moins de 20 personnes" in result.reason


def test_classify_without_fallback_category_raises() -> None:
    rules = replace(RULES, categories=(RULES.category("micro"),))
    with pytest.raises(ContentError):
        classify(50, 1 * M, None, rules)


def test_classify_reason_default_source_when_none_given() -> None:
    rules = replace(RULES, size_criteria_source="")
    assert classify(3, 500_000, None, rules).reason.endswith("au sens du décret n° 2008-1354.")

"""Company category from headcount, turnover and balance-sheet total.

:func:`classify` applies article 3 of décret n° 2008-1354 as ``knowledge_base/rollout.yml``
states it: categories are tried in file order and the first whose criteria all hold wins;
headcount strictly below ``max_employees_exclusive``; turnover OR balance-sheet total up
to and including its cap (``turnover_or_balance``; ``turnover_and_balance`` needs both);
the category without criteria (grande entreprise) is the fallback. The result says why in
French, or which figures are still missing to decide. No I/O besides
:func:`~knowledge_base.rollout.loader.get_rules`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from knowledge_base.content import ContentError
from knowledge_base.rollout.figures import (
    FigureInput,
    Figures,
    Quantity,
    format_eur,
    format_number,
    to_quantity,
)
from knowledge_base.rollout.loader import get_rules
from knowledge_base.rollout.models import Category, Criteria, RolloutRules

Condition = bool | None  # None: unknown (a figure is missing)

# Used when rollout.yml names no source for the size criteria.
DEFAULT_CRITERIA_SOURCE = "Décret n° 2008-1354"
# How the turnover and balance-sheet conditions combine (``financial_rule`` of a category);
# an unknown rule counts as ``turnover_or_balance``.
FINANCIAL_RULES: dict[str, Callable[[bool, bool], bool]] = {
    "turnover_or_balance": operator.or_,
    "turnover_and_balance": operator.and_,
}


@dataclass(frozen=True)
class Classification:
    """The category the figures give, or what is missing to decide.

    ``reason`` explains the result in French; ``caveat`` says when a missing balance-sheet
    total could still lower the category.
    """

    category: Category | None
    figures: Figures
    missing: tuple[str, ...] = ()
    reason: str = ""
    caveat: str = ""

    @property
    def decided(self) -> bool:
        return self.category is not None


def _employee_condition(
    criteria: Criteria,
    employees: Quantity | None,  # pragma: no mutate (annotation)
) -> Condition:
    if employees is None:
        return None
    return employees.comparable < criteria.max_employees_exclusive


def _financial_condition(criteria: Criteria, figures: Figures) -> Condition:
    turnover, balance = figures.turnover_eur, figures.balance_sheet_eur
    if turnover is None and balance is None:
        return None
    turnover_ok = turnover is not None and turnover.comparable <= criteria.max_turnover_eur
    balance_ok = balance is not None and balance.comparable <= criteria.max_balance_sheet_eur
    combine: Callable[[bool, bool], bool] = FINANCIAL_RULES.get(
        criteria.financial_rule, operator.or_
    )
    return combine(turnover_ok, balance_ok)


def _and(first: Condition, second: Condition) -> Condition:
    if first is False or second is False:
        return False
    if first is None or second is None:
        return None
    return True


def _join_french(items: list[str]) -> str:
    """« a », « a et b », « a, b et c »; empty for no item."""
    if len(items) > 1:
        return f"{', '.join(items[:-1])} et {items[-1]}"
    return "".join(items)


def _figures_phrase(figures: Figures) -> str:
    parts = []
    if figures.employees is not None:
        parts.append(figures.employees.people())
    if figures.turnover_eur is not None:
        parts.append(f"un chiffre d'affaires de {figures.turnover_eur.euros()}")
    if figures.balance_sheet_eur is not None:
        parts.append(f"un total de bilan de {figures.balance_sheet_eur.euros()}")
    return f"Avec {_join_french(parts)}"


def _why_not(category: Category, figures: Figures) -> str:
    criteria = category.criteria
    assert criteria is not None
    name = category.short_label
    if _employee_condition(criteria, figures.employees) is False:
        cap = format_number(criteria.max_employees_exclusive)
        return f"n'est pas une {name} (il faut occuper moins de {cap} personnes)"
    return (
        f"n'est pas une {name} (il faut un chiffre d'affaires d'au plus "
        f"{format_eur(criteria.max_turnover_eur)} ou un total de bilan d'au plus "
        f"{format_eur(criteria.max_balance_sheet_eur)})"
    )


def _why_yes(category: Category, figures: Figures) -> str:
    criteria = category.criteria
    assert criteria is not None
    cap = format_number(criteria.max_employees_exclusive)
    turnover, balance = figures.turnover_eur, figures.balance_sheet_eur
    if turnover is not None and turnover.comparable <= criteria.max_turnover_eur:
        money = f"son chiffre d'affaires n'excède pas {format_eur(criteria.max_turnover_eur)}"
    else:
        assert balance is not None
        money = f"son total de bilan n'excède pas {format_eur(criteria.max_balance_sheet_eur)}"
    return f"occupe moins de {cap} personnes et {money}"


def _caveat(
    category: Category, criteria: Criteria, figures: Figures, employee_ok: Condition
) -> str:
    """When the headcount fits ``category`` but the turnover alone is too high, a small
    enough balance-sheet total (not given) would still make it this category."""
    if (
        employee_ok is True
        and figures.balance_sheet_eur is None
        and figures.turnover_eur is not None
    ):
        return (
            f"Si le total de bilan de votre entreprise ne dépasse pas "
            f"{format_eur(criteria.max_balance_sheet_eur)}, elle est en revanche une "
            f"{category.short_label} : précisez-le-moi et je vérifierai."
        )
    return ""


def _missing(employee_ok: Condition, financial_ok: Condition) -> tuple[str, ...]:
    return tuple(
        name
        for name, condition in (("employees", employee_ok), ("turnover", financial_ok))
        if condition is None
    )


def classify(
    employees: FigureInput,
    turnover_eur: FigureInput,
    balance_sheet_eur: FigureInput = None,
    rules: RolloutRules | None = None,  # pragma: no mutate (annotation)
) -> Classification:
    """The category of a company from its figures (first matching category wins).

    A figure may be ``None`` (unknown). When an unknown figure could change the result,
    ``category`` is ``None`` and ``missing`` names what to ask: ``"employees"`` and/or
    ``"turnover"`` (turnover or balance-sheet total). An unknown amount never satisfies
    its cap once the other amount is known (rollout.yml convention); ``caveat`` then says
    which category a small enough balance-sheet total would give.
    """
    rules = rules or get_rules()
    figures = Figures(
        to_quantity(employees), to_quantity(turnover_eur), to_quantity(balance_sheet_eur)
    )
    if figures.empty:
        return Classification(None, figures, missing=("employees", "turnover"))
    refused: list[Category] = []
    caveat = ""
    for category in rules.categories:
        criteria = category.criteria
        if criteria is None:
            return _decided(category, figures, refused, caveat, rules)
        employee_ok = _employee_condition(criteria, figures.employees)
        financial_ok = _financial_condition(criteria, figures)
        result = _and(employee_ok, financial_ok)
        if result is True:
            return _decided(category, figures, refused, caveat, rules)
        if result is None:
            return Classification(None, figures, missing=_missing(employee_ok, financial_ok))
        caveat = caveat or _caveat(category, criteria, figures, employee_ok)
        refused.append(category)
    raise ContentError("rollout rules: no fallback category")


def _decided(
    category: Category,
    figures: Figures,
    refused: list[Category],
    caveat: str,
    rules: RolloutRules,
) -> Classification:
    refusals = [_why_not(c, figures) for c in refused if c.criteria is not None]
    joined = _join_french(refusals)
    if category.criteria is not None:
        met = _why_yes(category, figures)
        joined = f"{joined} ; elle {met}" if joined else met
    reason = (
        f"{_figures_phrase(figures)}, votre entreprise {joined} : c'est une "
        f"{category.short_label} au sens du {_criteria_source(rules)}."
    )
    return Classification(category, figures, reason=reason, caveat=caveat)


def _criteria_source(rules: RolloutRules) -> str:
    source = rules.size_criteria_source.split(",")[0].strip() or DEFAULT_CRITERIA_SOURCE
    return source[0].lower() + source[1:]

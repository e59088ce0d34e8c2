"""French figures: headcount and amounts read from a message, and written back in French.

- :func:`extract_figures`: « 80 salariés », « 12 M€ de CA », « 1,5 Md€ », « 300 000 € »,
  « bilan 43 M€ », « moins de 10 personnes », « je suis seul » → :class:`Figures`;
- :func:`format_number`, :func:`format_eur`: « 136 000 », « 1,5 million d'euros ».

The units and labels below are the parser's grammar (which words make a number a
headcount or an amount, and by how much a unit multiplies it), not rollout rules: they
stay in code, next to the regular expressions that use them. No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from knowledge_base.text import fold

# Offsets used to turn « moins de N » / « plus de N » into a comparable figure.
BOUND_EPSILON = 1e-6
# A bare number right after « chiffre d'affaires » / « bilan » counts as euros from here.
MIN_BARE_AMOUNT_EUR = 1000
# Characters of context searched for « bilan » / « chiffre d'affaires » around an amount.
AMOUNT_CONTEXT_CHARS = 40
# Characters before a bare number searched for its « bilan » / « CA » label.
BARE_LABEL_CHARS = 25

NBSP = "\u00a0"


# ---------------------------------------------------------------- French formatting


def _decimal(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def format_number(value: float) -> str:
    """« 136 000 », « 9,5 » (non-breaking spaces between thousands)."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", NBSP)
    return _decimal(value)


def format_eur(amount: float) -> str:
    """« 300 000 € », « 1,5 million d'euros », « 43 millions d'euros », « 2 milliards d'euros »."""
    for size, singular, plural in (
        (1_000_000_000, "milliard", "milliards"),
        (1_000_000, "million", "millions"),
    ):
        if amount >= size and float(amount / size * 100).is_integer():  # at most 2 decimals
            value = amount / size
            word = singular if value < 2 else plural
            return f"{_decimal(value)} {word} d'euros"
    return f"{format_number(round(amount))}{NBSP}€"


# ---------------------------------------------------------------- figures


Qualifier = Literal["exact", "less", "more"]
_BOUND_OFFSETS: dict[str, float] = {"less": -BOUND_EPSILON, "more": BOUND_EPSILON}


@dataclass(frozen=True)
class Quantity:
    """A figure the user gave, possibly as a bound (« moins de 10 », « plus de 50 M€ »)."""

    value: float
    qualifier: Qualifier = "exact"

    @property
    def comparable(self) -> float:
        """The value, nudged below (« moins de ») or above (« plus de ») for comparisons."""
        return self.value + _BOUND_OFFSETS.get(self.qualifier, 0)

    def _prefix(self) -> str:
        return {"exact": "", "less": "moins de ", "more": "plus de "}[self.qualifier]

    def people(self) -> str:
        if self.value == 1 and self.qualifier != "exact":  # « plus d'une personne »
            return f"{self._prefix()[:-3]}d'une personne"
        # singular for an exact figure below 2 (« 1 personne », « 1,5 personne »)
        noun = "personne" if self.value < 2 and not self._prefix() else "personnes"
        return f"{self._prefix()}{format_number(self.value)} {noun}"

    def euros(self) -> str:
        return f"{self._prefix()}{format_eur(self.value)}"


FigureInput = Quantity | float | int | None


def to_quantity(value: FigureInput) -> Quantity | None:  # pragma: no mutate (annotation)
    """A plain number as an exact :class:`Quantity`; ``None`` and quantities unchanged."""
    if value is None or isinstance(value, Quantity):
        return value
    return Quantity(float(value))


@dataclass(frozen=True)
class Figures:
    """Headcount and amounts found in a message (``None`` when not given)."""

    employees: Quantity | None = None
    turnover_eur: Quantity | None = None
    balance_sheet_eur: Quantity | None = None

    @property
    def empty(self) -> bool:
        return (
            self.employees is None and self.turnover_eur is None and self.balance_sheet_eur is None
        )

    def merged(self, newer: Figures) -> Figures:
        """These figures completed (or overridden) by ``newer``."""
        return Figures(
            employees=newer.employees or self.employees,
            turnover_eur=newer.turnover_eur or self.turnover_eur,
            balance_sheet_eur=newer.balance_sheet_eur or self.balance_sheet_eur,
        )


_NUMBER = r"(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?!\d)|\d+)(?:,(\d+)|\.(\d{1,2})(?!\d))?"
_PEOPLE_UNIT = (
    r"(?:salarie|employe|personne|collaborat(?:eur|rice)|agent|etp|uta|emploi|"
    r"equivalents? temps plein|ouvrier|effectif|personnel|actif)"
)
_AMOUNT_UNIT = (
    r"(?P<unit>milliards?|mds?|mrds?|md|millions?|mio|meur|m|keur|k|mille|€|euros?|eur)"
    r"(?![a-z0-9])"
)
_MULTIPLIERS = {
    "milliard": 1e9,
    "milliards": 1e9,
    "md": 1e9,
    "mds": 1e9,
    "mrd": 1e9,
    "mrds": 1e9,
    "million": 1e6,
    "millions": 1e6,
    "mio": 1e6,
    "meur": 1e6,
    "m": 1e6,
    "k": 1e3,
    "keur": 1e3,
    "mille": 1e3,
}
_FIGURE = re.compile(
    rf"(?P<qual>(?:moins|plus|pas plus|au dela|au-dela|superieur|inferieur)\s+(?:de|d'|a)\s*)?"
    rf"(?<![\w,.])(?P<num>{_NUMBER})\s*"
    rf"(?:(?P<people>{_PEOPLE_UNIT}s?\b)|{_AMOUNT_UNIT})?"
)
_HEADCOUNT_PHRASE = re.compile(
    rf"\beffectifs?\s*(?:de|d'environ|:|=|est de|total de)?\s*(?P<num>{_NUMBER})"
    r"(?!\s*(?:€|m\b|k\b|eur|mil))"
)
_ALONE = re.compile(
    r"\b(?:je suis|je travaille|j'exerce|je bosse)\s+(?:tout\s+)?seule?\b"
    r"|\b(?:sans|aucun|pas de|zero)\s+(?:salarie|employe)s?\b"
)
_BARE_AMOUNT_LABEL = re.compile(
    r"(?:bilan|\bca|chiffre d'affaires)\s*(?:annuel\s*)?(?:de|:|=|d'environ)?\s*$"
)
# A label before an amount: « bilan » (balance sheet) or a turnover word.
_LABEL_WORD = re.compile(
    r"(?P<balance>\bbilan\b)|\bca\b|\bc\.a\.|chiffre d'affaires?|chiffres d'affaires|\bventes\b"
)
_AFTER_LABEL = re.compile(
    r"^\s*(?:d'euros|d euros|euros|€)?\s*(?:de |d'|du |au |en )?\s*"
    r"(?P<what>(?:total (?:de |du )?)?bilan|ca\b|c\.a\.|chiffre)"
)

# (start of the number, end of the match, amount) of each amount in the message.
_Amount = tuple[int, int, Quantity]


def _parse_number(text: str) -> float:
    match = re.match(_NUMBER, text)
    assert match is not None
    whole = re.sub(r"[ \u00a0\u202f.]", "", match.group(1))
    decimals = match.group(2) or match.group(3)
    return float(f"{whole}.{decimals}") if decimals else float(whole)


def _qualifier(text: str | None) -> Qualifier:  # pragma: no mutate (annotation)
    if not text:
        return "exact"
    if text.startswith(("moins", "pas plus", "inferieur")):
        return "less"
    return "more"


def _prepare_figures(text: str) -> str:
    folded = fold(text).replace("\u202f", " ").replace("\u00a0", " ")
    return re.sub(r"chiffre d\s*'?\s*affaires?", "chiffre d'affaires", folded)


def _amount(
    folded: str, match: re.Match[str], quantity: Quantity
) -> _Amount | None:  # pragma: no mutate (annotation)
    """The amount a number with no people unit stands for: with a unit (« 12 M€ »), or
    bare but large enough right after « CA » / « bilan »; else ``None``."""
    unit = match.group("unit")
    if unit:
        value = quantity.value * _MULTIPLIERS.get(unit, 1.0)
        return match.start("num"), match.end(), Quantity(value, quantity.qualifier)
    before = folded[max(0, match.start() - BARE_LABEL_CHARS) : match.start()]
    if quantity.value >= MIN_BARE_AMOUNT_EUR and _BARE_AMOUNT_LABEL.search(before):
        return match.start("num"), match.end(), quantity
    return None


def _scan(folded: str) -> tuple[Quantity | None, list[_Amount]]:  # pragma: no mutate (annotation)
    """The first headcount with a people unit, and every amount, in order."""
    employees: Quantity | None = None  # pragma: no mutate (annotation)
    amounts: list[_Amount] = []
    for match in _FIGURE.finditer(folded):
        quantity = Quantity(_parse_number(match.group("num")), _qualifier(match.group("qual")))
        if match.group("people"):
            employees = employees or quantity
            continue
        amount = _amount(folded, match, quantity)
        if amount is not None:
            amounts.append(amount)
    return employees, amounts


def _headcount_without_unit(folded: str) -> Quantity | None:  # pragma: no mutate (annotation)
    """« effectif de 45 », or 1 for « je suis seul » / « sans salarié »."""
    headcount = _HEADCOUNT_PHRASE.search(folded)
    if headcount:
        return Quantity(_parse_number(headcount.group("num")))
    if _ALONE.search(folded):
        return Quantity(1)
    return None


def _labels_balance(folded: str, start: int, end: int, previous_end: int) -> bool:
    """Whether « bilan » labels the amount ``folded[start:end]``: a label right after it
    wins (« 43 M€ de bilan »), else the last label before it, back to the previous amount.

    A label after the amount must start right after it (spaces, « euros », « de » only),
    so it can never reach into the next amount, which starts with a digit.
    """
    label = _AFTER_LABEL.match(folded[end : end + AMOUNT_CONTEXT_CHARS])
    if label:
        return "bilan" in label.group("what")
    before = folded[max(previous_end, start - AMOUNT_CONTEXT_CHARS) : start]
    labels = list(_LABEL_WORD.finditer(before))
    return bool(labels) and labels[-1].group("balance") is not None


def _split_amounts(
    folded: str, amounts: list[_Amount]
) -> tuple[Quantity | None, Quantity | None]:  # pragma: no mutate (annotation)
    """(turnover, balance-sheet total): the first amount of each kind."""
    turnover: Quantity | None = None  # pragma: no mutate (annotation)
    balance: Quantity | None = None  # pragma: no mutate (annotation)
    previous_end = 0
    for start, end, quantity in amounts:
        if _labels_balance(folded, start, end, previous_end):
            balance = balance or quantity
        else:
            turnover = turnover or quantity
        previous_end = end
    return turnover, balance


def extract_figures(text: str) -> Figures:
    """Headcount, turnover and balance-sheet total written in a French message.

    An amount is a balance-sheet total when « bilan » labels it (« bilan de 43 M€ »,
    « 43 M€ de bilan »), a turnover otherwise. The first figure of each kind wins.
    """
    folded = _prepare_figures(text)
    employees, amounts = _scan(folded)
    if employees is None:
        employees = _headcount_without_unit(folded)
    turnover, balance = _split_amounts(folded, amounts)
    return Figures(employees, turnover, balance)

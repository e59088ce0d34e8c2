"""Rollout rules: which e-invoicing obligation date applies, and who may file TIC/TICGN online.

Pure logic over ``knowledge_base/rollout.yml`` (read through
:func:`knowledge_base.content.load_rollout`); no model, no I/O besides that file.

- :func:`classify`: company category from headcount, turnover and balance-sheet total
  under article 3 of décret n° 2008-1354 (boundaries as documented in the YAML: headcount
  strictly below the cap, amounts up to and including the cap, turnover OR balance sheet),
  with the reason in French, or the figures still missing to decide.
- :func:`find_categories`, :func:`find_early_groups`, :func:`public_role`: categories and
  public bodies named in free text (accent-, case- and hyphen-insensitive).
- :func:`extract_figures`: headcount and amounts written the French way (« 80 salariés »,
  « 12 M€ », « 1,5 Md€ », « 300 000 € », « bilan 43 M€ »).
- :func:`find_departement`: a département from its number (incl. 2A/2B, 971…) or its name,
  and :meth:`RolloutRules.is_pilot` for the DémaTIC pilot.
- :func:`analyse`: everything above for one message, as a :class:`Profile`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from knowledge_base.content import ROLLOUT_FILE, ContentError, load_rollout
from knowledge_base.text import fold

# Offsets used to turn « moins de N » / « plus de N » into a comparable figure.
BOUND_EPSILON = 1e-6
# A bare number right after « chiffre d'affaires » / « bilan » counts as euros from here.
MIN_BARE_AMOUNT_EUR = 1000
# Characters of context searched for « bilan » / « chiffre d'affaires » around an amount.
AMOUNT_CONTEXT_CHARS = 40
# Words before a public body's name that are searched for who is speaking.
SPEAKER_WINDOW_WORDS = 6

NBSP = "\u00a0"

# Spellings users type that rollout.yml does not list yet (to be moved there).
EXTRA_CATEGORY_ALIASES: dict[str, tuple[str, ...]] = {
    "micro": ("auto-entreprise", "autoentreprise", "auto entreprise", "micro-entrepreneuse"),
    "grande_entreprise": ("grosse entreprise", "grand compte", "sbf 120"),
}
# Values of the Rasa entity ``company_category`` after its synonyms, mapped to our ids.
ENTITY_CATEGORY_IDS: dict[str, str] = {
    "micro_entreprise": "micro",
    "personne_publique": "public",
}


# ---------------------------------------------------------------- data model


@dataclass(frozen=True)
class Criteria:
    """Size caps of one category (article 3 of décret n° 2008-1354)."""

    max_employees_exclusive: float
    max_turnover_eur: int
    max_balance_sheet_eur: int
    financial_rule: str = "turnover_or_balance"


@dataclass(frozen=True)
class Category:
    """A company category and the date its e-invoicing obligation started."""

    id: str
    label: str
    label_plural: str
    aliases: tuple[str, ...]
    criteria: Criteria | None
    obligation_date: dt.date
    count: int | None
    doc: str

    @property
    def short_label(self) -> str:
        """« PME » for « petite et moyenne entreprise (PME) », else the label."""
        match = re.search(r"\(([^)]+)\)\s*$", self.label)
        return match.group(1) if match else self.label


@dataclass(frozen=True)
class EarlyGroup:
    """Suppliers that joined the first wave whatever their own size."""

    id: str
    label: str
    aliases: tuple[str, ...]
    obligation_date: dt.date
    doc: str


@dataclass(frozen=True)
class PublicBodies:
    """Public bodies: accept e-invoices and issue their own electronically."""

    label: str
    label_plural: str
    aliases: tuple[str, ...]
    acceptance_date: dt.date
    issuing_date: dt.date
    state_since: dt.date | None
    doc: str
    acceptance_doc: str


@dataclass(frozen=True)
class Departement:
    """A French département: code (« 02 », « 2A », « 974 ») and name."""

    code: str
    name: str

    @property
    def display(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class TicPilot:
    """The DémaTIC pilot: TIC/TICGN refunds online for head offices in some départements."""

    portal: str
    departements: tuple[Departement, ...]
    eligible_applicants: tuple[str, ...]
    doc: str

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(d.code for d in self.departements)


@dataclass(frozen=True)
class Wave:
    """One date of the calendar and who it concerned."""

    date: dt.date
    label: str
    doc: str


@dataclass(frozen=True)
class B2bCalendar:
    """Electronic invoicing between companies (since 2026): receive, then issue by category."""

    receive_from: dt.date
    issue_from: tuple[tuple[str, dt.date], ...]  # (category id, date): hashable, like the rules
    vat_group_issue_from: dt.date
    category_period: str
    channel: str
    doc: str

    def issue_date(self, category_id: str) -> dt.date:
        return dict(self.issue_from)[category_id]


@dataclass(frozen=True)
class AgriculturalFuels:
    """The agricultural fuel regime in force (the DémaTIC pilot is its history)."""

    online_everywhere_campaign: int
    online_compulsory_campaign: int
    gnr_reduced_rate_invoiced_from: dt.date
    gnr_agricultural_rate: str
    refunded_products: str
    refund_portal: str
    refund_service: str
    doc: str


@dataclass(frozen=True)
class RolloutRules:
    """The whole of ``rollout.yml``, typed."""

    categories: tuple[Category, ...]
    early_groups: tuple[EarlyGroup, ...]
    public: PublicBodies
    pilot: TicPilot
    all_companies_from: dt.date
    size_criteria_source: str
    measurement_doc: str
    b2b: B2bCalendar
    fuels: AgriculturalFuels
    waves: tuple[Wave, ...] = ()

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)

    def early_group(self, group_id: str) -> EarlyGroup:
        return next(g for g in self.early_groups if g.id == group_id)

    def is_pilot(self, departement: Departement) -> bool:
        return departement.code in self.pilot.codes


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _aliases(item: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(a) for a in item.get("aliases") or ())


def _b2b(raw: dict[str, Any]) -> B2bCalendar:
    return B2bCalendar(
        receive_from=_date(raw["receive_from"]),
        issue_from=tuple((str(k), _date(v)) for k, v in raw["issue_from"].items()),
        vat_group_issue_from=_date(raw["vat_group_issue_from"]),
        category_period=str(raw["category_period"]),
        channel=str(raw["channel"]),
        doc=str(raw["doc"]),
    )


def _fuels(raw: dict[str, Any]) -> AgriculturalFuels:
    return AgriculturalFuels(
        online_everywhere_campaign=int(raw["online_everywhere_campaign"]),
        online_compulsory_campaign=int(raw["online_compulsory_campaign"]),
        gnr_reduced_rate_invoiced_from=_date(raw["gnr_reduced_rate_invoiced_from"]),
        gnr_agricultural_rate=str(raw["gnr_agricultural_rate"]),
        refunded_products=str(raw["refunded_products"]),
        refund_portal=str(raw["refund_portal"]),
        refund_service=str(raw["refund_service"]),
        doc=str(raw["doc"]),
    )


def load_rules(path: Path = ROLLOUT_FILE) -> RolloutRules:
    """Parse ``rollout.yml`` into :class:`RolloutRules`.

    Raises:
        ContentError: the file is unreadable or a required field is missing.
    """
    data = load_rollout(path)
    try:
        categories = []
        for item in data["categories"]:
            raw = item.get("criteria")
            criteria = (
                Criteria(
                    max_employees_exclusive=float(raw["max_employees_exclusive"]),
                    max_turnover_eur=int(raw["max_turnover_eur"]),
                    max_balance_sheet_eur=int(raw["max_balance_sheet_eur"]),
                    financial_rule=str(raw.get("financial_rule", "turnover_or_balance")),
                )
                if raw
                else None
            )
            extra = EXTRA_CATEGORY_ALIASES.get(str(item["id"]), ())
            categories.append(
                Category(
                    id=str(item["id"]),
                    label=str(item["label"]),
                    label_plural=str(item["label_plural"]),
                    aliases=_aliases(item) + extra,
                    criteria=criteria,
                    obligation_date=_date(item["obligation_date"]),
                    count=int(item["count"]) if item.get("count") is not None else None,
                    doc=str(item["doc"]),
                )
            )
        early = tuple(
            EarlyGroup(
                id=str(g["id"]),
                label=str(g["label"]),
                aliases=_aliases(g),
                obligation_date=_date(g["obligation_date"]),
                doc=str(g["doc"]),
            )
            for g in data.get("early_groups") or ()
        )
        pub = data["public_entities"]
        acceptance = data.get("public_acceptance") or {}
        public = PublicBodies(
            label=str(pub["label"]),
            label_plural=str(pub["label_plural"]),
            aliases=_aliases(pub),
            acceptance_date=_date(pub["acceptance_date"]),
            issuing_date=_date(pub["issuing_date"]),
            state_since=_date(acceptance["state_since"]) if "state_since" in acceptance else None,
            doc=str(pub["doc"]),
            acceptance_doc=str(acceptance.get("doc", pub["doc"])),
        )
        tic = data["tic_ticgn_pilot"]
        pilot = TicPilot(
            portal=str(tic.get("portal", "DémaTIC")),
            departements=tuple(
                Departement(str(d["code"]), str(d["name"])) for d in tic["departements"]
            ),
            eligible_applicants=tuple(str(a) for a in tic.get("eligible_applicants") or ()),
            doc=str(tic["doc"]),
        )
        measurement = data.get("size_criteria_measurement") or {}
        rules = RolloutRules(
            categories=tuple(categories),
            early_groups=early,
            public=public,
            pilot=pilot,
            all_companies_from=_date(data["all_companies_from"]),
            size_criteria_source=str(data.get("size_criteria_source", "")),
            measurement_doc=str(measurement.get("doc", "")),
            b2b=_b2b(data["b2b_generalisation"]),
            fuels=_fuels(data["agricultural_fuels"]),
            waves=tuple(
                Wave(_date(w["date"]), str(w["label"]), str(w["doc"]))
                for w in data.get("waves") or ()
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ContentError(f"{path}: malformed rollout rules: {exc!r}") from exc
    missing = {c.id for c in rules.categories} - set(dict(rules.b2b.issue_from))
    if missing:
        raise ContentError(f"{path}: b2b_generalisation.issue_from lacks {sorted(missing)}")
    if not any(c.criteria is None for c in rules.categories):
        raise ContentError(f"{path}: one category must be the fallback (criteria: null)")
    return rules


@lru_cache(maxsize=1)
def get_rules() -> RolloutRules:
    """The rules of the packaged ``rollout.yml``, parsed once per process."""
    return load_rules()


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
        if amount >= size and (amount / size) * 100 == int(amount / size * 100):
            value = amount / size
            word = singular if value < 2 else plural
            return f"{_decimal(value)} {word} d'euros"
    return f"{format_number(round(amount))}{NBSP}€"


# ---------------------------------------------------------------- figures


Qualifier = Literal["exact", "less", "more"]


@dataclass(frozen=True)
class Quantity:
    """A figure the user gave, possibly as a bound (« moins de 10 », « plus de 50 M€ »)."""

    value: float
    qualifier: Qualifier = "exact"

    @property
    def comparable(self) -> float:
        if self.qualifier == "less":
            return self.value - BOUND_EPSILON
        if self.qualifier == "more":
            return self.value + BOUND_EPSILON
        return self.value

    def _prefix(self) -> str:
        return {"exact": "", "less": "moins de ", "more": "plus de "}[self.qualifier]

    def people(self) -> str:
        noun = "personne" if self.value < 2 and self.qualifier == "exact" else "personnes"
        return f"{self._prefix()}{format_number(self.value)} {noun}"

    def euros(self) -> str:
        return f"{self._prefix()}{format_eur(self.value)}"


FigureInput = Quantity | float | int | None


def _quantity(value: FigureInput) -> Quantity | None:
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
            self.employees is None
            and self.turnover_eur is None
            and (self.balance_sheet_eur is None)
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
_BALANCE_WORD = re.compile(r"\bbilan\b")
_TURNOVER_WORD = re.compile(r"\bca\b|\bc\.a\.|chiffre d'affaires?|chiffres d'affaires|\bventes\b")
_AFTER_LABEL = re.compile(
    r"^\s*(?:d'euros|d euros|euros|€)?\s*(?:de |d'|du |au |en )?\s*"
    r"(?P<what>(?:total (?:de |du )?)?bilan|ca\b|c\.a\.|chiffre)"
)


def _parse_number(match: re.Match[str]) -> float:
    whole = re.sub(r"[ \u00a0\u202f.]", "", match.group(1))
    decimals = match.group(2) or match.group(3)
    return float(f"{whole}.{decimals}") if decimals else float(whole)


def _qualifier(text: str | None) -> Qualifier:
    if not text:
        return "exact"
    if text.startswith(("moins", "pas plus", "inferieur")):
        return "less"
    return "more"


def _prepare_figures(text: str) -> str:
    folded = fold(text).replace("\u202f", " ").replace("\u00a0", " ")
    folded = re.sub(r"chiffre d\s*'?\s*affaires?", "chiffre d'affaires", folded)
    return folded


def extract_figures(text: str) -> Figures:
    """Headcount, turnover and balance-sheet total written in a French message.

    An amount is a balance-sheet total when « bilan » labels it (« bilan de 43 M€ »,
    « 43 M€ de bilan »), a turnover otherwise. The first figure of each kind wins.
    """
    folded = _prepare_figures(text)
    employees: Quantity | None = None
    amounts: list[tuple[int, int, Quantity]] = []
    people_spans: list[tuple[int, int]] = []
    for match in _FIGURE.finditer(folded):
        value = _parse_number(re.match(_NUMBER, match.group("num")))  # type: ignore[arg-type]
        qualifier = _qualifier(match.group("qual"))
        if match.group("people"):
            if employees is None:
                employees = Quantity(value, qualifier)
            people_spans.append(match.span())
            continue
        unit = match.group("unit")
        if unit:
            amounts.append(
                (
                    match.start("num"),
                    match.end(),
                    Quantity(value * _MULTIPLIERS.get(unit, 1.0), qualifier),
                )
            )
            continue
        before = folded[max(0, match.start() - 25) : match.start()]
        if value >= MIN_BARE_AMOUNT_EUR and re.search(
            r"(?:bilan|\bca|chiffre d'affaires)\s*(?:annuel\s*)?(?:de|:|=|d'environ)?\s*$", before
        ):
            amounts.append((match.start("num"), match.end(), Quantity(value, qualifier)))
    if employees is None:
        headcount = _HEADCOUNT_PHRASE.search(folded)
        if headcount:
            employees = Quantity(_parse_number(re.match(_NUMBER, headcount.group("num"))))  # type: ignore[arg-type]
        elif _ALONE.search(folded):
            employees = Quantity(1)
    turnover: Quantity | None = None
    balance: Quantity | None = None
    for index, (start, end, quantity) in enumerate(amounts):
        previous_end = amounts[index - 1][1] if index else 0
        next_start = amounts[index + 1][0] if index + 1 < len(amounts) else len(folded)
        is_balance = _labels_balance(folded, start, end, previous_end, next_start)
        if is_balance and balance is None:
            balance = quantity
        elif not is_balance and turnover is None:
            turnover = quantity
    return Figures(employees, turnover, balance)


def _labels_balance(folded: str, start: int, end: int, previous_end: int, next_start: int) -> bool:
    after = folded[end : min(next_start, end + AMOUNT_CONTEXT_CHARS)]
    label = _AFTER_LABEL.match(after)
    if label:
        return "bilan" in label.group("what")
    before = folded[max(previous_end, start - AMOUNT_CONTEXT_CHARS) : start]
    last_balance = max((m.end() for m in _BALANCE_WORD.finditer(before)), default=-1)
    last_turnover = max((m.end() for m in _TURNOVER_WORD.finditer(before)), default=-1)
    return last_balance > last_turnover


# ---------------------------------------------------------------- classification

Condition = bool | None  # None: unknown (a figure is missing)


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


def _employee_condition(criteria: Criteria, employees: Quantity | None) -> Condition:
    if employees is None:
        return None
    return employees.comparable < criteria.max_employees_exclusive


def _financial_condition(criteria: Criteria, figures: Figures) -> Condition:
    turnover, balance = figures.turnover_eur, figures.balance_sheet_eur
    if turnover is None and balance is None:
        return None
    turnover_ok = turnover is not None and turnover.comparable <= criteria.max_turnover_eur
    balance_ok = balance is not None and balance.comparable <= criteria.max_balance_sheet_eur
    if criteria.financial_rule == "turnover_and_balance":
        return turnover_ok and balance_ok
    return turnover_ok or balance_ok


def _and(first: Condition, second: Condition) -> Condition:
    if first is False or second is False:
        return False
    if first is None or second is None:
        return None
    return True


def _figures_phrase(figures: Figures) -> str:
    parts = []
    if figures.employees is not None:
        parts.append(figures.employees.people())
    if figures.turnover_eur is not None:
        parts.append(f"un chiffre d'affaires de {figures.turnover_eur.euros()}")
    if figures.balance_sheet_eur is not None:
        parts.append(f"un total de bilan de {figures.balance_sheet_eur.euros()}")
    if len(parts) > 1:
        return f"Avec {', '.join(parts[:-1])} et {parts[-1]}"
    return f"Avec {parts[0]}"


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


def classify(
    employees: FigureInput,
    turnover_eur: FigureInput,
    balance_sheet_eur: FigureInput = None,
    rules: RolloutRules | None = None,
) -> Classification:
    """The category of a company from its figures (first matching category wins).

    A figure may be ``None`` (unknown). When an unknown figure could change the result,
    ``category`` is ``None`` and ``missing`` names what to ask: ``"employees"`` and/or
    ``"turnover"`` (turnover or balance-sheet total). An unknown amount never satisfies
    its cap once the other amount is known (rollout.yml convention); ``caveat`` then says
    which category a small enough balance-sheet total would give.
    """
    rules = rules or get_rules()
    figures = Figures(_quantity(employees), _quantity(turnover_eur), _quantity(balance_sheet_eur))
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
            missing = tuple(
                name
                for name, condition in (("employees", employee_ok), ("turnover", financial_ok))
                if condition is None
            )
            return Classification(None, figures, missing=missing)
        if (
            not caveat
            and employee_ok is True
            and figures.balance_sheet_eur is None
            and figures.turnover_eur is not None
        ):
            caveat = (
                f"Si le total de bilan de votre entreprise ne dépasse pas "
                f"{format_eur(criteria.max_balance_sheet_eur)}, elle est en revanche une "
                f"{category.short_label} : précisez-le-moi et je vérifierai."
            )
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
    joined = (
        ", ".join(refusals[:-1])
        + (" et " if len(refusals) > 1 else "")
        + (refusals[-1] if refusals else "")
    )
    if category.criteria is not None:
        met = _why_yes(category, figures)
        joined = f"{joined} ; elle {met}" if joined else met
    reason = (
        f"{_figures_phrase(figures)}, votre entreprise {joined} : c'est une "
        f"{category.short_label} au sens du {_criteria_source(rules)}."
    )
    return Classification(category, figures, reason=reason, caveat=caveat)


def _criteria_source(rules: RolloutRules) -> str:
    source = rules.size_criteria_source.split(",")[0].strip() or "Décret n° 2008-1354"
    return source[0].lower() + source[1:]


# ---------------------------------------------------------------- words in messages


def normalise(text: str) -> str:
    """Folded words separated by single spaces: « Micro-Entreprise » → « micro entreprise »."""
    folded = fold(text)
    folded = re.sub(r"([a-z])(\d)", r"\1 \2", folded)
    return " ".join(re.findall(r"[a-z0-9]+", folded))


def _alias_pattern(aliases: tuple[str, ...]) -> re.Pattern[str]:
    forms = sorted({normalise(a) for a in aliases if normalise(a)}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")(?:s|x)?\b")


@lru_cache(maxsize=8)
def _patterns(rules: RolloutRules) -> dict[str, re.Pattern[str]]:
    patterns = {f"category:{c.id}": _alias_pattern(c.aliases) for c in rules.categories}
    patterns.update({f"early:{g.id}": _alias_pattern(g.aliases) for g in rules.early_groups})
    patterns["public"] = _alias_pattern(rules.public.aliases)
    return patterns


def find_categories(text: str, rules: RolloutRules | None = None) -> list[Category]:
    """The categories named in ``text``, in the order they appear."""
    rules = rules or get_rules()
    normalised = normalise(text)
    found = []
    for category in rules.categories:
        match = _patterns(rules)[f"category:{category.id}"].search(normalised)
        if match:
            found.append((match.start(), category))
    return [category for _, category in sorted(found, key=lambda item: item[0])]


def resolve_category(value: str, rules: RolloutRules | None = None) -> Category | None:
    """A category from an id, a Rasa entity value (« micro_entreprise ») or an alias."""
    rules = rules or get_rules()
    key = ENTITY_CATEGORY_IDS.get(value.strip().lower(), value.strip().lower())
    by_id = next((c for c in rules.categories if c.id == key), None)
    if by_id is not None:
        return by_id
    found = find_categories(value.replace("_", " "), rules)
    return found[0] if found else None


def find_early_groups(text: str, rules: RolloutRules | None = None) -> list[EarlyGroup]:
    """The first-wave groups (filiale, volontaire…) named in ``text``."""
    rules = rules or get_rules()
    normalised = normalise(text)
    return [g for g in rules.early_groups if _patterns(rules)[f"early:{g.id}"].search(normalised)]


_SELF_CUES = re.compile(
    r"\b(?:je suis|j suis|nous sommes|on est|en tant que|notre|nos|ma|mon|mes|"
    r"je represente|je travaille (?:a|au|dans|en)|agent (?:de|d|du)|secretaire (?:de|d|du)|"
    r"(?:maire|directeur|directrice|responsable|comptable) (?:de|d|du))\b"
)
_CUSTOMER_CUES = re.compile(
    r"\b(?:factur\w*|client\w*|fournisseur\w*|prestataire\w*|vend\w*|livr\w*|envoi\w*|"
    r"envoy\w*|transmet\w*|adress\w*|destination|destinataire\w*|aupres|avec|pour le compte)\b"
)
_BUYER_VERBS = re.compile(r"\b(?:accept|recev|recoi|receptionn|reception)\w*")


PublicRole = Literal["self", "customer"]


def public_role(text: str, rules: RolloutRules | None = None) -> PublicRole | None:
    """Whether ``text`` speaks AS a public body (« je suis une commune ») or ABOUT one as a
    customer (« je facture une commune »); ``None`` when no public body is named."""
    rules = rules or get_rules()
    normalised = normalise(text)
    matches = list(_patterns(rules)["public"].finditer(normalised))
    if not matches:
        return None
    for match in matches:
        window = " ".join(normalised[: match.start()].split()[-SPEAKER_WINDOW_WORDS:])
        self_cue = max((m.end() for m in _SELF_CUES.finditer(window)), default=-1)
        customer_cue = max((m.end() for m in _CUSTOMER_CUES.finditer(window)), default=-1)
        if self_cue > customer_cue:
            return "self"
        if customer_cue > self_cue:
            return "customer"
    if _BUYER_VERBS.search(normalised):
        return "self"
    if find_categories(text, rules) or not extract_figures(text).empty:
        return "customer"
    return "self"


# ---------------------------------------------------------------- départements

DEPARTEMENTS: tuple[Departement, ...] = tuple(
    Departement(code, name)
    for code, name in (
        ("01", "Ain"),
        ("02", "Aisne"),
        ("03", "Allier"),
        ("04", "Alpes-de-Haute-Provence"),
        ("05", "Hautes-Alpes"),
        ("06", "Alpes-Maritimes"),
        ("07", "Ardèche"),
        ("08", "Ardennes"),
        ("09", "Ariège"),
        ("10", "Aube"),
        ("11", "Aude"),
        ("12", "Aveyron"),
        ("13", "Bouches-du-Rhône"),
        ("14", "Calvados"),
        ("15", "Cantal"),
        ("16", "Charente"),
        ("17", "Charente-Maritime"),
        ("18", "Cher"),
        ("19", "Corrèze"),
        ("2A", "Corse-du-Sud"),
        ("2B", "Haute-Corse"),
        ("21", "Côte-d'Or"),
        ("22", "Côtes-d'Armor"),
        ("23", "Creuse"),
        ("24", "Dordogne"),
        ("25", "Doubs"),
        ("26", "Drôme"),
        ("27", "Eure"),
        ("28", "Eure-et-Loir"),
        ("29", "Finistère"),
        ("30", "Gard"),
        ("31", "Haute-Garonne"),
        ("32", "Gers"),
        ("33", "Gironde"),
        ("34", "Hérault"),
        ("35", "Ille-et-Vilaine"),
        ("36", "Indre"),
        ("37", "Indre-et-Loire"),
        ("38", "Isère"),
        ("39", "Jura"),
        ("40", "Landes"),
        ("41", "Loir-et-Cher"),
        ("42", "Loire"),
        ("43", "Haute-Loire"),
        ("44", "Loire-Atlantique"),
        ("45", "Loiret"),
        ("46", "Lot"),
        ("47", "Lot-et-Garonne"),
        ("48", "Lozère"),
        ("49", "Maine-et-Loire"),
        ("50", "Manche"),
        ("51", "Marne"),
        ("52", "Haute-Marne"),
        ("53", "Mayenne"),
        ("54", "Meurthe-et-Moselle"),
        ("55", "Meuse"),
        ("56", "Morbihan"),
        ("57", "Moselle"),
        ("58", "Nièvre"),
        ("59", "Nord"),
        ("60", "Oise"),
        ("61", "Orne"),
        ("62", "Pas-de-Calais"),
        ("63", "Puy-de-Dôme"),
        ("64", "Pyrénées-Atlantiques"),
        ("65", "Hautes-Pyrénées"),
        ("66", "Pyrénées-Orientales"),
        ("67", "Bas-Rhin"),
        ("68", "Haut-Rhin"),
        ("69", "Rhône"),
        ("70", "Haute-Saône"),
        ("71", "Saône-et-Loire"),
        ("72", "Sarthe"),
        ("73", "Savoie"),
        ("74", "Haute-Savoie"),
        ("75", "Paris"),
        ("76", "Seine-Maritime"),
        ("77", "Seine-et-Marne"),
        ("78", "Yvelines"),
        ("79", "Deux-Sèvres"),
        ("80", "Somme"),
        ("81", "Tarn"),
        ("82", "Tarn-et-Garonne"),
        ("83", "Var"),
        ("84", "Vaucluse"),
        ("85", "Vendée"),
        ("86", "Vienne"),
        ("87", "Haute-Vienne"),
        ("88", "Vosges"),
        ("89", "Yonne"),
        ("90", "Territoire de Belfort"),
        ("91", "Essonne"),
        ("92", "Hauts-de-Seine"),
        ("93", "Seine-Saint-Denis"),
        ("94", "Val-de-Marne"),
        ("95", "Val-d'Oise"),
        ("971", "Guadeloupe"),
        ("972", "Martinique"),
        ("973", "Guyane"),
        ("974", "La Réunion"),
        ("976", "Mayotte"),
    )
)
_BY_CODE = {d.code: d for d in DEPARTEMENTS}
# Other names users give a département.
DEPARTEMENT_ALIASES: dict[str, str] = {
    "belfort": "90",
    "reunion": "974",
    "ile de la reunion": "974",
    "corse du sud": "2A",
    "haute corse": "2B",
    "seine st denis": "93",
    "val d oise": "95",
}
# Single names that are also common words or rivers (« la somme de », « un lot »,
# « le nord de »): recognised only after a word that introduces a place, or alone.
PLACE_CUES = (
    "le",
    "la",
    "les",
    "l",
    "en",
    "dans",
    "du",
    "des",
    "de",
    "d",
    "au",
    "aux",
    "a",
    "departement",
    "dept",
    "dpt",
)
_CODE_CUES = r"(?:le|du|dans le|au|departement(?: du| de| n| no| numero)?|dept|dpt|n|no|numero|en)"
_NOT_A_CODE_AFTER = (
    r"(?!\s*(?:salarie|employe|personne|collaborat|agent|etp|€|euro|eur\b|m\b|k\b|md|million|"
    r"milliard|%|ans?\b|mois|jours?|h\b|heures?|factures?|fois|ha\b|hectares?|tracteurs?))"
)
_CODE = r"(2a|2b|97[1-46]|0?[1-9]|[1-8]\d|9[0-5])"
_CODE_IN_TEXT = re.compile(rf"\b{_CODE_CUES}\s+{_CODE}\b{_NOT_A_CODE_AFTER}")
_CODE_IN_BRACKETS = re.compile(rf"\(\s*{_CODE}\s*\)")
_CODE_ALONE = re.compile(rf"^\s*(?:departement\s+)?{_CODE}\s*$")
_POSTCODE = re.compile(r"\b(?:code postal|cp)\s*:?\s*(\d{5})\b|^\s*(\d{5})\s*$")


def _name_index() -> list[tuple[str, Departement]]:
    names = [(normalise(d.name), d) for d in DEPARTEMENTS]
    names += [
        (normalise(d.name.removeprefix("La ")), d) for d in DEPARTEMENTS if d.name.startswith("La ")
    ]
    names += [(alias, _BY_CODE[code]) for alias, code in DEPARTEMENT_ALIASES.items()]
    return sorted(names, key=lambda item: len(item[0]), reverse=True)


_NAMES = _name_index()
_NAME_PATTERN = re.compile(r"\b(" + "|".join(re.escape(n) for n, _ in _NAMES) + r")\b")
_NAME_LOOKUP = dict(_NAMES)


def departement_by_code(code: str) -> Departement | None:
    """The département of a code: « 29 », « 2a », « 9 » (→ « 09 »), « 974 »."""
    key = code.strip().upper()
    if key.isdigit() and len(key) == 1:
        key = f"0{key}"
    return _BY_CODE.get(key)


def _from_postcode(postcode: str) -> Departement | None:
    if postcode.startswith("97"):
        return departement_by_code(postcode[:3])
    if postcode.startswith("20"):
        return departement_by_code("2A" if postcode[2] in "01" else "2B")
    return departement_by_code(postcode[:2])


def find_departement(text: str) -> Departement | None:
    """The département named in ``text`` by name (any accents, hyphens or article) or by
    number (« le 29 », « (80) », « 2A », « 971 », or the number alone), else ``None``."""
    normalised = normalise(text)
    alone = _CODE_ALONE.match(normalised)
    if alone:
        return departement_by_code(alone.group(1))
    whole_name = _NAME_LOOKUP.get(re.sub(r"^(?:le|la|les|l|departement)\s+", "", normalised))
    if whole_name is not None:
        return whole_name
    for match in _NAME_PATTERN.finditer(normalised):
        name = match.group(1)
        departement = _NAME_LOOKUP[name]
        if " " in name or not _is_common_word(name):
            return departement
        before = normalised[: match.start()].split()
        after = normalised[match.end() :].split()
        followed_by_amount = len(after) >= 2 and after[0] in {"de", "d"} and after[1][0].isdigit()
        if before and before[-1] in PLACE_CUES and not followed_by_amount:
            return departement
    for pattern in (_CODE_IN_BRACKETS, _CODE_IN_TEXT):
        match = pattern.search(fold(text) if pattern is _CODE_IN_BRACKETS else normalised)
        if match:
            return departement_by_code(match.group(1))
    postcode = _POSTCODE.search(normalised)
    if postcode:
        return _from_postcode(postcode.group(1) or postcode.group(2))
    return None


# Single-word names that are also ordinary words, rivers or towns.
COMMON_WORD_NAMES = frozenset(
    {
        "ain",
        "aube",
        "aude",
        "cher",
        "creuse",
        "eure",
        "gard",
        "gers",
        "indre",
        "jura",
        "landes",
        "loire",
        "lot",
        "manche",
        "marne",
        "meuse",
        "nord",
        "oise",
        "orne",
        "rhone",
        "somme",
        "tarn",
        "var",
        "vienne",
        "paris",
        "savoie",
    }
)


def _is_common_word(name: str) -> bool:
    return name in COMMON_WORD_NAMES


# ---------------------------------------------------------------- whole message

_TIC_WORDS = re.compile(
    r"\b(?:tic|ticgn|ticpe|dematic|remboursements?|rembourse\w*|gazole|gnr|fioul|gaz naturel|"
    r"taxe interieure|cuma|gaec|earl|scea)\b"
)
_INVOICE_WORDS = re.compile(r"\bfactur\w*|\bchorus pro\b|\bdematerialis\w*")
_CALENDAR_WORDS = re.compile(
    r"\b(?:calendrier|vagues?|etapes?|echeancier|planning|generalisation)\b"
)


def mentions_tic(text: str) -> bool:
    """Whether ``text`` names the TIC/TICGN refund or its usual applicants (CUMA, GAEC…)."""
    return bool(_TIC_WORDS.search(normalise(text)))


def is_tic_question(text: str) -> bool:
    """Whether ``text`` is about the TIC/TICGN refund rather than e-invoicing."""
    normalised = normalise(text)
    if _TIC_WORDS.search(normalised):
        return True
    return find_departement(text) is not None and not _INVOICE_WORDS.search(normalised)


def asks_calendar(text: str) -> bool:
    """Whether ``text`` asks for the whole calendar (« quel est le calendrier ? »)."""
    return bool(_CALENDAR_WORDS.search(normalise(text)))


Topic = Literal["invoicing", "tic"]


@dataclass(frozen=True)
class Profile:
    """What one message tells about the user, for the rollout answer."""

    topic: Topic
    categories: tuple[Category, ...] = ()
    early_groups: tuple[EarlyGroup, ...] = ()
    public: PublicRole | None = None
    figures: Figures = field(default_factory=Figures)
    departement: Departement | None = None
    calendar: bool = False
    tic_words: bool = False

    def with_figures(self, figures: Figures) -> Profile:
        return replace(self, figures=figures)


def analyse(text: str, rules: RolloutRules | None = None) -> Profile:
    """Everything :mod:`rollout_rules` can read in one message."""
    rules = rules or get_rules()
    return Profile(
        topic="tic" if is_tic_question(text) else "invoicing",
        categories=tuple(find_categories(text, rules)),
        early_groups=tuple(find_early_groups(text, rules)),
        public=public_role(text, rules),
        figures=extract_figures(text),
        departement=find_departement(text),
        calendar=asks_calendar(text),
        tic_words=mentions_tic(text),
    )

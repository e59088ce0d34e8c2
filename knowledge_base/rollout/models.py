"""Data model of the rollout rules: typed, immutable views of the three data files.

- ``knowledge_base/rollout.yml`` → :class:`RolloutRules` (categories with their size
  :class:`Criteria`, first-wave :class:`EarlyGroup`, :class:`PublicBodies`, the DémaTIC
  :class:`TicPilot`, the calendar :class:`Wave`, the 2026 :class:`B2bCalendar` and the
  :class:`AgriculturalFuels` regime);
- ``knowledge_base/rollout/departements.yml`` → :class:`DepartementTable`;
- ``knowledge_base/rollout/cues.yml`` → :class:`Cues`.

No parsing here (see :mod:`knowledge_base.rollout.loader`) and no logic beyond lookups.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass


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


@dataclass(frozen=True)
class DepartementTable:
    """``departements.yml``: every département and the words that help find one in text.

    ``code_cues`` and ``not_a_code_after`` are regular-expression fragments; the other
    words are normalised text.
    """

    departements: tuple[Departement, ...]
    aliases: Mapping[str, str]  # normalised other name -> code
    common_word_names: frozenset[str]
    place_cues: tuple[str, ...]
    code_cues: tuple[str, ...]
    not_a_code_after: tuple[str, ...]


@dataclass(frozen=True)
class Cues:
    """``cues.yml``: extra aliases, entity values and cue lists (regular-expression
    fragments matched on normalised text)."""

    extra_category_aliases: Mapping[str, tuple[str, ...]]
    entity_category_ids: Mapping[str, str]
    self_speaker: tuple[str, ...]
    customer: tuple[str, ...]
    buyer_verbs: tuple[str, ...]
    tic: tuple[str, ...]
    invoicing: tuple[str, ...]
    calendar: tuple[str, ...]

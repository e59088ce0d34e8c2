"""Reading the rollout data files into :mod:`knowledge_base.rollout.models`.

- :func:`load_rules` / :func:`get_rules`: ``knowledge_base/rollout.yml`` (read through
  :func:`knowledge_base.content.load_rollout`), completed by the extra category aliases of
  ``cues.yml``;
- :func:`load_departements` / :func:`get_departement_table`: ``rollout/departements.yml``;
- :func:`load_cues` / :func:`get_cues`: ``rollout/cues.yml``;
- :func:`cue_pattern`: one cue list compiled as ``\\b(?:entry|entry…)\\b``.

Every malformed file raises :class:`~knowledge_base.content.ContentError`. The ``get_*``
functions parse the packaged files once per process.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge_base.content import ROLLOUT_FILE, ContentError, load_rollout
from knowledge_base.rollout.models import (
    AgriculturalFuels,
    B2bCalendar,
    Category,
    Criteria,
    Cues,
    Departement,
    DepartementTable,
    EarlyGroup,
    PublicBodies,
    RolloutRules,
    TicPilot,
    Wave,
)

ROLLOUT_DIR = Path(__file__).resolve().parent
DEPARTEMENTS_FILE = ROLLOUT_DIR / "departements.yml"
CUES_FILE = ROLLOUT_DIR / "cues.yml"


# ---------------------------------------------------------------- rollout.yml


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _aliases(item: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(a) for a in item.get("aliases") or ())


def _criteria(raw: dict[str, Any] | None) -> Criteria | None:
    if not raw:
        return None
    return Criteria(
        max_employees_exclusive=float(raw["max_employees_exclusive"]),
        max_turnover_eur=int(raw["max_turnover_eur"]),
        max_balance_sheet_eur=int(raw["max_balance_sheet_eur"]),
        financial_rule=str(raw.get("financial_rule", "turnover_or_balance")),
    )


def _category(item: dict[str, Any], extra: Mapping[str, tuple[str, ...]]) -> Category:
    return Category(
        id=str(item["id"]),
        label=str(item["label"]),
        label_plural=str(item["label_plural"]),
        aliases=_aliases(item) + tuple(extra.get(str(item["id"]), ())),
        criteria=_criteria(item.get("criteria")),
        obligation_date=_date(item["obligation_date"]),
        count=int(item["count"]) if item.get("count") is not None else None,
        doc=str(item["doc"]),
    )


def _early_group(raw: dict[str, Any]) -> EarlyGroup:
    return EarlyGroup(
        id=str(raw["id"]),
        label=str(raw["label"]),
        aliases=_aliases(raw),
        obligation_date=_date(raw["obligation_date"]),
        doc=str(raw["doc"]),
    )


def _public(data: dict[str, Any]) -> PublicBodies:
    pub = data["public_entities"]
    acceptance = data.get("public_acceptance") or {}
    return PublicBodies(
        label=str(pub["label"]),
        label_plural=str(pub["label_plural"]),
        aliases=_aliases(pub),
        acceptance_date=_date(pub["acceptance_date"]),
        issuing_date=_date(pub["issuing_date"]),
        state_since=_date(acceptance["state_since"]) if "state_since" in acceptance else None,
        doc=str(pub["doc"]),
        acceptance_doc=str(acceptance.get("doc", pub["doc"])),
    )


def _pilot(tic: dict[str, Any]) -> TicPilot:
    return TicPilot(
        portal=str(tic.get("portal", "DémaTIC")),
        departements=tuple(
            Departement(str(d["code"]), str(d["name"])) for d in tic["departements"]
        ),
        eligible_applicants=tuple(str(a) for a in tic.get("eligible_applicants") or ()),
        doc=str(tic["doc"]),
    )


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


def _rules(data: dict[str, Any], extra: Mapping[str, tuple[str, ...]]) -> RolloutRules:
    measurement = data.get("size_criteria_measurement") or {}
    return RolloutRules(
        categories=tuple(_category(item, extra) for item in data["categories"]),
        early_groups=tuple(_early_group(g) for g in data.get("early_groups") or ()),
        public=_public(data),
        pilot=_pilot(data["tic_ticgn_pilot"]),
        all_companies_from=_date(data["all_companies_from"]),
        size_criteria_source=str(data.get("size_criteria_source", "")),
        measurement_doc=str(measurement.get("doc", "")),
        b2b=_b2b(data["b2b_generalisation"]),
        fuels=_fuels(data["agricultural_fuels"]),
        waves=tuple(
            Wave(_date(w["date"]), str(w["label"]), str(w["doc"])) for w in data.get("waves") or ()
        ),
    )


def load_rules(path: Path = ROLLOUT_FILE) -> RolloutRules:
    """Parse ``rollout.yml`` into :class:`RolloutRules`.

    Raises:
        ContentError: the file is unreadable or a required field is missing.
    """
    data = load_rollout(path)
    try:
        rules = _rules(data, get_cues().extra_category_aliases)
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


# ---------------------------------------------------------------- departements.yml, cues.yml


def _words(raw: Any, where: str, path: Path) -> tuple[str, ...]:
    """A list of non-empty strings (a bare ``no`` in YAML would be ``False``: refused)."""
    if not isinstance(raw, list) or not all(isinstance(w, str) and w for w in raw):
        raise ContentError(f"{path}: {where} must be a list of non-empty strings")
    return tuple(raw)


def _mapping(raw: Any, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: {where} must be a mapping")
    return {str(key): value for key, value in raw.items()}


def load_departements(path: Path = DEPARTEMENTS_FILE) -> DepartementTable:
    """Parse ``departements.yml``; every alias must name a known code."""
    data = load_rollout(path)
    try:
        departements = tuple(
            Departement(str(d["code"]), str(d["name"])) for d in data["departements"]
        )
        aliases = {k: str(v) for k, v in _mapping(data["aliases"], "aliases", path).items()}
    except (KeyError, TypeError) as exc:
        raise ContentError(f"{path}: malformed départements: {exc!r}") from exc
    unknown = set(aliases.values()) - {d.code for d in departements}
    if unknown:
        raise ContentError(f"{path}: aliases name unknown codes {sorted(unknown)}")
    return DepartementTable(
        departements=departements,
        aliases=aliases,
        common_word_names=frozenset(
            _words(data.get("common_word_names"), "common_word_names", path)
        ),
        place_cues=_words(data.get("place_cues"), "place_cues", path),
        code_cues=_words(data.get("code_cues"), "code_cues", path),
        not_a_code_after=_words(data.get("not_a_code_after"), "not_a_code_after", path),
    )


def load_cues(path: Path = CUES_FILE) -> Cues:
    """Parse ``cues.yml``."""
    data = load_rollout(path)
    extra = _mapping(data.get("extra_category_aliases") or {}, "extra_category_aliases", path)
    entity = _mapping(data.get("entity_category_ids") or {}, "entity_category_ids", path)
    speaker = _mapping(data.get("speaker"), "speaker", path)
    topic = _mapping(data.get("topic"), "topic", path)
    return Cues(
        extra_category_aliases={
            key: _words(value, f"extra_category_aliases.{key}", path)
            for key, value in extra.items()
        },
        entity_category_ids={key: str(value) for key, value in entity.items()},
        self_speaker=_words(speaker.get("self"), "speaker.self", path),
        customer=_words(speaker.get("customer"), "speaker.customer", path),
        buyer_verbs=_words(speaker.get("buyer_verbs"), "speaker.buyer_verbs", path),
        tic=_words(topic.get("tic"), "topic.tic", path),
        invoicing=_words(topic.get("invoicing"), "topic.invoicing", path),
        calendar=_words(topic.get("calendar"), "topic.calendar", path),
    )


@lru_cache(maxsize=1)
def get_departement_table() -> DepartementTable:
    """The packaged ``departements.yml``, parsed once per process."""
    return load_departements()


@lru_cache(maxsize=1)
def get_cues() -> Cues:
    """The packaged ``cues.yml``, parsed once per process."""
    return load_cues()


def cue_pattern(fragments: Iterable[str]) -> re.Pattern[str]:
    """One cue list as a regular expression: any of the fragments, as whole words."""
    return re.compile(r"\b(?:" + "|".join(fragments) + r")\b")

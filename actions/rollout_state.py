"""What the rollout form knows and how one message changes it.

The ``rollout_*`` slots (``domain/rollout.yml``) mirror a :class:`RolloutState`; each message
is read with :mod:`knowledge_base.rollout` (:func:`advance`), a lone number as the figure the
form just asked for, and « annuler », « laisse tomber »… as a wish to leave
(:func:`wants_to_cancel`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from knowledge_base.rollout import (
    Classification,
    Figures,
    Profile,
    Quantity,
    RolloutRules,
    classify,
    find_departement,
    normalise,
    resolve_category,
)

REQUESTED_SLOT = "requested_slot"
SLOT_TOPIC = "rollout_topic"
SLOT_COMPANY = "rollout_company"
SLOT_EMPLOYEES = "rollout_employees"
SLOT_TURNOVER = "rollout_turnover"
SLOT_BALANCE = "rollout_balance_sheet"
SLOT_DEPARTEMENT = "rollout_departement"
SLOT_ATTEMPTS = "rollout_attempts"
SLOT_CANCELLED = "rollout_cancelled"
ROLLOUT_SLOTS = (
    SLOT_TOPIC,
    SLOT_COMPANY,
    SLOT_EMPLOYEES,
    SLOT_TURNOVER,
    SLOT_BALANCE,
    SLOT_DEPARTEMENT,
    SLOT_ATTEMPTS,
    SLOT_CANCELLED,
)
# rollout_topic once the form gave up: the closing action then stays silent.
ABANDONED = "abandoned"
# Matched on normalised text (folded, apostrophes and hyphens as spaces).
_CANCEL = re.compile(
    r"\b(?:annul\w*|laiss\w* tomber|laiss\w* beton|abandonn\w*|stop|arret\w*|"
    r"tant pis|pas grave|on s en fiche|je ne sais pas|sais pas|jsp|aucune idee|"
    r"je prefere pas|non merci|plus tard|une autre fois)\b"
)


def encode_quantity(quantity: Quantity | None) -> str | None:
    """A figure as a slot value: « 80 », « <10 », « >50000000 »."""
    if quantity is None:
        return None
    prefix = {"exact": "", "less": "<", "more": ">"}[quantity.qualifier]
    return f"{prefix}{quantity.value:g}" if quantity.value < 1e15 else None


def decode_quantity(value: Any) -> Quantity | None:
    """The inverse of :func:`encode_quantity` (``None`` for anything unreadable)."""
    if value is None:
        return None
    text = str(value).strip()
    qualifier = {"<": "less", ">": "more"}.get(text[:1], "exact")
    try:
        number = float(text.lstrip("<>"))
    except ValueError:
        return None
    return Quantity(number, qualifier)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RolloutState:
    """What the form knows so far (mirrors the ``rollout_*`` slots)."""

    topic: str | None = None
    company: str | None = None
    figures: Figures = Figures()
    departement: str | None = None
    attempts: int = 0

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> RolloutState:
        return cls(
            topic=tracker.get_slot(SLOT_TOPIC),
            company=tracker.get_slot(SLOT_COMPANY),
            figures=Figures(
                decode_quantity(tracker.get_slot(SLOT_EMPLOYEES)),
                decode_quantity(tracker.get_slot(SLOT_TURNOVER)),
                decode_quantity(tracker.get_slot(SLOT_BALANCE)),
            ),
            departement=tracker.get_slot(SLOT_DEPARTEMENT),
            attempts=int(tracker.get_slot(SLOT_ATTEMPTS) or 0),
        )

    def slot_events(self) -> list[dict[str, Any]]:
        return [
            SlotSet(SLOT_TOPIC, self.topic),
            SlotSet(SLOT_COMPANY, self.company),
            SlotSet(SLOT_EMPLOYEES, encode_quantity(self.figures.employees)),
            SlotSet(SLOT_TURNOVER, encode_quantity(self.figures.turnover_eur)),
            SlotSet(SLOT_BALANCE, encode_quantity(self.figures.balance_sheet_eur)),
            SlotSet(SLOT_DEPARTEMENT, self.departement),
            SlotSet(SLOT_ATTEMPTS, float(self.attempts)),
        ]

    def classification(self, rules: RolloutRules) -> Classification:
        f = self.figures
        return classify(f.employees, f.turnover_eur, f.balance_sheet_eur, rules)

    def next_slot(self, rules: RolloutRules) -> str | None:
        """The slot to ask for next, ``None`` when the answer can be given."""
        if self.topic == "tic":
            return None if self.departement else SLOT_DEPARTEMENT
        if self.company:
            return None
        if self.figures.empty:
            return SLOT_COMPANY
        missing = self.classification(rules).missing
        if "employees" in missing:
            return SLOT_EMPLOYEES
        return SLOT_TURNOVER


def company_key(profile: Profile, figures: Figures, rules: RolloutRules) -> str | None:
    """What the e-invoicing answer is about, as stored in ``rollout_company``:
    ``public``, ``early:<id>``, ``figures``, ``category:<id>[+<id>…]``, ``calendar``."""
    early = {g.id for g in profile.early_groups}
    category_ids = [c.id for c in profile.categories]
    if profile.public == "self" and not category_ids and figures.empty:
        return "public"
    if "filiale_grande_entreprise" in early and (
        not category_ids or "grande_entreprise" in category_ids
    ):
        return "early:filiale_grande_entreprise"
    if "fournisseur_etat_dematerialise" in early:
        return "early:fournisseur_etat_dematerialise"
    if (
        not figures.empty
        and classify(
            figures.employees, figures.turnover_eur, figures.balance_sheet_eur, rules
        ).decided
    ):
        return "figures"
    if category_ids:
        return "category:" + "+".join(category_ids)
    if "volontaire" in early:
        return "early:volontaire"
    if profile.calendar and figures.empty:
        return "calendar"
    return None


def advance(
    state: RolloutState, profile: Profile, entities: dict[str, str], rules: RolloutRules
) -> RolloutState:
    """The state after one more message (``profile``) and its Rasa ``entities``."""
    topic = state.topic or profile.topic
    if profile.tic_words:
        topic = "tic"
    departement = state.departement
    found = profile.departement or find_departement(entities.get("departement", "") or "")
    if found is not None and topic == "tic":
        departement = found.code
    if not profile.categories and entities.get("company_category"):
        category = resolve_category(entities["company_category"], rules)
        # A public body is recognised from the text only: DIET sometimes tags a stray
        # « publique » in a supplier's question.
        if category is not None:
            profile = replace(profile, categories=(category,))
    figures = state.figures.merged(profile.figures)
    company = state.company or company_key(profile.with_figures(figures), figures, rules)
    return RolloutState(
        topic=topic,
        company=company,
        figures=figures,
        departement=departement,
        attempts=state.attempts,
    )


_BARE_NUMBER = re.compile(r"^\s*(?:environ|à peu près|a peu pres)?\s*(\d+(?:[ .\u00a0]\d{3})*)\s*$")


def with_bare_number(profile: Profile, text: str, requested: Any) -> Profile:
    """Read a lone number as the figure the form just asked for (« 80 » → 80 salariés)."""
    match = _BARE_NUMBER.match(text)
    if match is None or requested not in {SLOT_EMPLOYEES, SLOT_TURNOVER}:
        return profile
    value = Quantity(float(re.sub(r"[ .\u00a0]", "", match.group(1))))
    if requested == SLOT_EMPLOYEES:
        return profile.with_figures(replace(profile.figures, employees=value))
    return profile.with_figures(replace(profile.figures, turnover_eur=value))


def message_entities(tracker: Tracker) -> dict[str, str]:
    out: dict[str, str] = {}
    for entity in (tracker.latest_message or {}).get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name and value is not None and name not in out:
            out[str(name)] = str(value)
    return out


def message_intent(tracker: Tracker) -> str:
    return str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")


def wants_to_cancel(text: str) -> bool:
    """« annuler », « laisse tomber », « je ne sais pas »…"""
    return bool(_CANCEL.search(normalise(text)))


def reset_events() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in ROLLOUT_SLOTS]

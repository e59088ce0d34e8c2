"""Everything the rollout rules read in one message: :func:`analyse` → :class:`Profile`.

The topic words (TIC/TICGN, invoicing, calendar) are the ``topic`` cue lists of
``knowledge_base/rollout/cues.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from knowledge_base.rollout.departements import find_departement
from knowledge_base.rollout.figures import Figures, extract_figures
from knowledge_base.rollout.loader import cue_pattern, get_cues, get_rules
from knowledge_base.rollout.models import Category, Departement, EarlyGroup, RolloutRules
from knowledge_base.rollout.words import (
    PublicRole,
    find_categories,
    find_early_groups,
    normalise,
    public_role,
)

_TIC_WORDS = cue_pattern(get_cues().tic)
_INVOICE_WORDS = cue_pattern(get_cues().invoicing)
_CALENDAR_WORDS = cue_pattern(get_cues().calendar)

Topic = Literal["invoicing", "tic"]


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
    """Everything :mod:`knowledge_base.rollout` can read in one message."""
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

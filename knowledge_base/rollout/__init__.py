"""Rollout rules: which e-invoicing obligation date applies, and who may file TIC/TICGN online.

Pure logic over three data files; no model, no I/O besides reading them.

Data (the rules are data, edited without touching the code):

- ``knowledge_base/rollout.yml``: calendar, company categories with their size criteria,
  first-wave groups, public bodies, 2026 B2B calendar, agricultural fuels and the DémaTIC
  pilot départements. Indexed for retrieval (its bytes enter the index's content hash).
- ``knowledge_base/rollout/departements.yml``: every French département (code, name),
  the other names users give them and the cue words around a name or a number.
- ``knowledge_base/rollout/cues.yml``: extra category aliases, Rasa entity values, and the
  cue lists that tell who speaks (a public body or its supplier) and what a message is
  about (TIC/TICGN, invoicing, calendar).

Code:

- :mod:`~knowledge_base.rollout.models`: the typed, immutable data model;
- :mod:`~knowledge_base.rollout.loader`: reading the data files (:func:`get_rules`);
- :mod:`~knowledge_base.rollout.figures`: French figures (« 80 salariés », « 1,5 M€ »,
  « bilan 43 M€ ») read by :func:`extract_figures` and written by :func:`format_eur`;
- :mod:`~knowledge_base.rollout.classification`: :func:`classify`, the company category
  under article 3 of décret n° 2008-1354, with the reason in French or what is missing;
- :mod:`~knowledge_base.rollout.words`: categories, first-wave groups and public bodies
  named in free text (:func:`find_categories`, :func:`public_role`…);
- :mod:`~knowledge_base.rollout.departements`: :func:`find_departement` by name or number;
- :mod:`~knowledge_base.rollout.profile`: :func:`analyse`, everything above for one
  message, as a :class:`Profile`.

Import the public names from this package (``from knowledge_base.rollout import classify``).
"""

from knowledge_base.rollout.classification import Classification, Condition, classify
from knowledge_base.rollout.departements import (
    COMMON_WORD_NAMES,
    DEPARTEMENT_ALIASES,
    DEPARTEMENTS,
    PLACE_CUES,
    departement_by_code,
    find_departement,
)
from knowledge_base.rollout.figures import (
    AMOUNT_CONTEXT_CHARS,
    BOUND_EPSILON,
    MIN_BARE_AMOUNT_EUR,
    NBSP,
    FigureInput,
    Figures,
    Qualifier,
    Quantity,
    extract_figures,
    format_eur,
    format_number,
)
from knowledge_base.rollout.loader import (
    CUES_FILE,
    DEPARTEMENTS_FILE,
    get_cues,
    get_departement_table,
    get_rules,
    load_cues,
    load_departements,
    load_rules,
)
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
from knowledge_base.rollout.profile import (
    Profile,
    Topic,
    analyse,
    asks_calendar,
    is_tic_question,
    mentions_tic,
)
from knowledge_base.rollout.words import (
    ENTITY_CATEGORY_IDS,
    SPEAKER_WINDOW_WORDS,
    PublicRole,
    find_categories,
    find_early_groups,
    normalise,
    public_role,
    resolve_category,
)

__all__ = [
    "AMOUNT_CONTEXT_CHARS",
    "BOUND_EPSILON",
    "COMMON_WORD_NAMES",
    "CUES_FILE",
    "DEPARTEMENTS",
    "DEPARTEMENTS_FILE",
    "DEPARTEMENT_ALIASES",
    "ENTITY_CATEGORY_IDS",
    "MIN_BARE_AMOUNT_EUR",
    "NBSP",
    "PLACE_CUES",
    "SPEAKER_WINDOW_WORDS",
    "AgriculturalFuels",
    "B2bCalendar",
    "Category",
    "Classification",
    "Condition",
    "Criteria",
    "Cues",
    "Departement",
    "DepartementTable",
    "EarlyGroup",
    "FigureInput",
    "Figures",
    "Profile",
    "PublicBodies",
    "PublicRole",
    "Qualifier",
    "Quantity",
    "RolloutRules",
    "TicPilot",
    "Topic",
    "Wave",
    "analyse",
    "asks_calendar",
    "classify",
    "departement_by_code",
    "extract_figures",
    "find_categories",
    "find_departement",
    "find_early_groups",
    "format_eur",
    "format_number",
    "get_cues",
    "get_departement_table",
    "get_rules",
    "is_tic_question",
    "load_cues",
    "load_departements",
    "load_rules",
    "mentions_tic",
    "normalise",
    "public_role",
    "resolve_category",
]

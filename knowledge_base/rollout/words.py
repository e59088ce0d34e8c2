"""Company categories, first-wave groups and public bodies named in a message.

Matching is done on :func:`normalise`\\ d text (accent-, case- and hyphen-insensitive,
whole words) against the aliases of ``knowledge_base/rollout.yml`` (plus the extra ones
of ``rollout/cues.yml``). Who speaks when a public body is named (:func:`public_role`)
is decided by the ``speaker`` cue lists of ``rollout/cues.yml``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from knowledge_base.rollout.figures import extract_figures
from knowledge_base.rollout.loader import cue_pattern, get_cues, get_rules
from knowledge_base.rollout.models import Category, EarlyGroup, RolloutRules
from knowledge_base.text import fold

# Words before a public body's name that are searched for who is speaking.
SPEAKER_WINDOW_WORDS = 6

_CUES = get_cues()
# Values of the Rasa entity ``company_category`` after its synonyms, mapped to our ids.
ENTITY_CATEGORY_IDS: dict[str, str] = dict(_CUES.entity_category_ids)
_SELF_CUES = cue_pattern(_CUES.self_speaker)
_CUSTOMER_CUES = cue_pattern(_CUES.customer)
_BUYER_VERBS = cue_pattern(_CUES.buyer_verbs)

PublicRole = Literal["self", "customer"]


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

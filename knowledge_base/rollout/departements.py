"""A French département named in a message, by name or by number.

The table, the other names users give and the cue words live in
``knowledge_base/rollout/departements.yml``; the DémaTIC pilot list is in
``knowledge_base/rollout.yml`` (:meth:`RolloutRules.is_pilot
<knowledge_base.rollout.models.RolloutRules.is_pilot>`). The shape of a code
(``2A``, ``971``, ``09``…) and of a postcode is grammar and stays here.
"""

from __future__ import annotations

import re

from knowledge_base.rollout.loader import get_departement_table
from knowledge_base.rollout.models import Departement
from knowledge_base.rollout.words import normalise
from knowledge_base.text import fold

_TABLE = get_departement_table()
DEPARTEMENTS: tuple[Departement, ...] = _TABLE.departements
# Other names users give a département (normalised name -> code).
DEPARTEMENT_ALIASES: dict[str, str] = dict(_TABLE.aliases)
# Words that introduce a place before a name that is also a common word.
PLACE_CUES: tuple[str, ...] = _TABLE.place_cues
# Single-word names that are also ordinary words, rivers or towns (« la somme de »,
# « un lot », « le nord de »): recognised only after a place cue, or alone.
COMMON_WORD_NAMES: frozenset[str] = _TABLE.common_word_names

_BY_CODE = {d.code: d for d in DEPARTEMENTS}
_CODE_CUES = "(?:" + "|".join(_TABLE.code_cues) + ")"
_NOT_A_CODE_AFTER = r"(?!\s*(?:" + "|".join(_TABLE.not_a_code_after) + "))"
_CODE = r"(2a|2b|97[1-46]|0?[1-9]|[1-8]\d|9[0-5])"
_CODE_IN_TEXT = re.compile(rf"\b{_CODE_CUES}\s+{_CODE}\b{_NOT_A_CODE_AFTER}")
_CODE_IN_BRACKETS = re.compile(rf"\(\s*{_CODE}\s*\)")
_CODE_ALONE = re.compile(rf"^\s*(?:departement\s+)?{_CODE}\s*$")
_POSTCODE = re.compile(r"\b(?:code postal|cp)\s*:?\s*(\d{5})\b|^\s*(\d{5})\s*$")
_LEADING_ARTICLE = re.compile(r"^(?:le|la|les|l|departement)\s+")


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


def _is_common_word(name: str) -> bool:
    return name in COMMON_WORD_NAMES


def _by_name(normalised: str) -> Departement | None:
    """A name in running text; a name that is also a common word only after a place cue
    and not followed by an amount (« la Somme », not « la somme de 300 € »)."""
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
    return None


def _by_number(text: str, normalised: str) -> Departement | None:
    """« Quimper (29) », « dans le 29 », then a postcode (« code postal 80100 »)."""
    for pattern in (_CODE_IN_BRACKETS, _CODE_IN_TEXT):
        match = pattern.search(fold(text) if pattern is _CODE_IN_BRACKETS else normalised)
        if match:
            return departement_by_code(match.group(1))
    postcode = _POSTCODE.search(normalised)
    if postcode:
        return _from_postcode(postcode.group(1) or postcode.group(2))
    return None


def find_departement(text: str) -> Departement | None:
    """The département named in ``text`` by name (any accents, hyphens or article) or by
    number (« le 29 », « (80) », « 2A », « 971 », or the number alone), else ``None``."""
    normalised = normalise(text)
    alone = _CODE_ALONE.match(normalised)
    if alone:
        return departement_by_code(alone.group(1))
    whole_name = _NAME_LOOKUP.get(_LEADING_ARTICLE.sub("", normalised))
    if whole_name is not None:
        return whole_name
    return _by_name(normalised) or _by_number(text, normalised)

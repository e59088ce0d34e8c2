"""Submission references: find them in free text however users type them, and normalise.

Canonical form: ``PREFIX-YEAR-NUMBER`` with the number zero-padded to 6 digits, e.g.
``MJ-2024-000123``. Prefixes: ``MJ`` (mémoire de frais de justice), ``TIC`` (TIC/TICGN
refund, ``TICGN`` accepted), ``FA`` (facture), ``AV`` (avoir). So « le mémoire n° MJ 2024
000123 », « mj2024000123 » and « MJ-2024-123 » all give ``MJ-2024-000123``, and « ma
facture fa2024-12 » gives ``FA-2024-000012``.

Text only, on purpose: Rasa's routing guard reads references with it in Rasa's Python 3.10
(:func:`nlu_components.routing_rules.holds_reference`), where the domain's enums do not load;
the kind a prefix stands for is :func:`portal.submissions.service.kind_of`'s.
"""

from __future__ import annotations

import re

NUMBER_WIDTH = 6
MAX_NUMBER_DIGITS = 9
_PREFIX_ALIASES = {"TICGN": "TIC"}
_SEP = r"[\s\-_/.]*"
_PATTERN = re.compile(
    rf"(?<![A-Za-z0-9])(TICGN|TIC|MJ|FA|AV){_SEP}(?:n[°o]\s*)?((?:19|20)\d\d)"
    rf"{_SEP}(\d{{1,{MAX_NUMBER_DIGITS}}})(?!\d)",
    re.IGNORECASE,
)


def _canonical(match: re.Match[str]) -> str:
    prefix = match.group(1).upper()
    prefix = _PREFIX_ALIASES.get(prefix, prefix)
    number = str(int(match.group(3))).zfill(NUMBER_WIDTH)
    return f"{prefix}-{match.group(2)}-{number}"


def find_references(text: str) -> list[str]:
    """Every reference in ``text``, normalised, in order, without duplicates."""
    found: list[str] = []
    for match in _PATTERN.finditer(text or ""):
        reference = _canonical(match)
        if reference not in found:
            found.append(reference)
    return found


def normalise_reference(text: str) -> str | None:
    """The canonical form when ``text`` is exactly one reference (spaces aside), else None."""
    match = _PATTERN.fullmatch((text or "").strip())
    return _canonical(match) if match else None

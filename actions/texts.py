"""The user-facing texts of the actions: Rasa's responses in ``domain/*.yml``, read once.

Every sentence the assistant says lives in ``domain/`` (one file per feature), whether Rasa
utters it from a rule or an action builds a reply around it: an action calls
``text("utter_…", **values)`` and sends the result with its buttons and links. There is no
other place for a user-facing sentence, so a writer edits one file per feature. Placeholders
are Rasa's (``{reference}``) and are filled here with :meth:`str.format`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


@lru_cache
def responses() -> dict[str, str]:
    """Name → text of the first variant of every response of the domain."""
    found: dict[str, str] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            found[name] = str(variants[0]["text"])
    return found


def text(name: str, **values: object) -> str:
    """The response ``name`` with its placeholders filled (``KeyError`` if it is not in the
    domain: a test reads every name the actions use)."""
    template = responses()[name]
    return template.format(**values) if values else template

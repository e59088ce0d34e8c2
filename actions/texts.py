"""The user-facing texts of the actions: Rasa's responses in ``domain/*.yml``, read once.

Every sentence the assistant says lives in ``domain/`` (one file per feature), whether Rasa
utters it from a rule or an action builds a reply around it: an action calls
``text("utter_…", **values)`` and sends the result with its buttons and links. There is no
other place for a user-facing sentence, so a writer edits one file per feature. Placeholders
are Rasa's (``{reference}``) and are filled here with :meth:`str.format`. The buttons of a
response (``buttons:``, Rasa's format) are read with :func:`buttons`.

``tests/actions/test_texts.py`` reads the actions' source: every name given to :func:`text`
or :func:`buttons` must be a response of the domain, and every placeholder must be filled.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


@lru_cache
def first_variants() -> dict[str, dict[str, Any]]:
    """Name → first variant (``text``, ``buttons``…) of every response of the domain."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            found[str(name)] = dict(variants[0])
    return found


@lru_cache
def responses() -> dict[str, str]:
    """Name → text of the first variant of every response of the domain."""
    return {name: str(variant["text"]) for name, variant in first_variants().items()}


def text(name: str, /, **values: object) -> str:
    """The response ``name`` with its placeholders filled (``KeyError`` if it is not in the
    domain: a test reads every name the actions use). ``name`` is positional-only, so a
    placeholder may be called ``{name}``."""
    template = responses()[name]
    return template.format(**values) if values else template


def buttons(name: str) -> list[dict[str, str]]:
    """Fresh copies of the buttons of the response ``name`` (rasa-sdk keeps a reference to
    the list it gets); ``KeyError`` if the response is missing or has no buttons."""
    found = first_variants()[name].get("buttons")
    if not found:
        raise KeyError(f"{name} has no buttons")
    return [{"title": str(b["title"]), "payload": str(b["payload"])} for b in found]

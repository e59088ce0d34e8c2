"""The actions' sentences are responses of ``domain/`` (``actions/texts.py``).

The actions' source is read with :mod:`ast`: every name given to ``text("utter_…")`` or
``buttons("utter_…")`` must be a response of the domain (with buttons for ``buttons``), and
every ``text`` call must fill exactly the placeholders of its response (a placeholder left
unfilled would reach the user as ``{reference}``).
"""

from __future__ import annotations

import ast
import string
from pathlib import Path
from typing import Any

import pytest

from actions.common import TECHNICAL_ERROR_TEXT
from actions.support_form import EDIT_FIELDS, EDIT_PAYLOAD, edit_payload
from actions.support_offer import DECLINE_PAYLOAD, OPEN_TICKET_PAYLOAD
from actions.texts import buttons, first_variants, responses, text

ROOT = Path(__file__).resolve().parents[2]
ACTIONS_DIR = ROOT / "actions"
NLU_DIR = ROOT / "nlu_data"
READERS = {"text", "buttons"}


def placeholders(template: str) -> set[str]:
    """The names of the ``{placeholders}`` of a response (``{a.b}`` counts as ``a``)."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return names


def problems(source: str, variants: dict[str, dict[str, Any]], where: str = "") -> list[str]:
    """What is wrong with the ``text`` / ``buttons`` calls of one module's source."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "actions.texts":
            found += [f"{where}:{node.lineno} aliased {a.name}" for a in node.names if a.asname]
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        reader = node.func.id
        if reader not in READERS:
            continue
        at = f"{where}:{node.lineno} {reader}"
        first = node.args[0] if node.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            found.append(f"{at}: the response name must be a string literal")
            continue
        name = first.value
        if name not in variants:
            found.append(f"{at}: {name} is not a response of domain/")
            continue
        if reader == "buttons":
            if not variants[name].get("buttons"):
                found.append(f"{at}: {name} has no buttons")
            continue
        if any(k.arg is None for k in node.keywords):
            found.append(f"{at}: {name} filled with **values (cannot be checked)")
            continue
        expected = placeholders(str(variants[name]["text"]))
        given = {str(k.arg) for k in node.keywords}
        if expected != given:
            found.append(f"{at}: {name} needs {sorted(expected)}, gets {sorted(given)}")
    return found


def _sources() -> list[Path]:
    return sorted(ACTIONS_DIR.glob("*.py"))


def _read_names() -> set[str]:
    """The response names the actions read."""
    names = set()
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            first = node.args[0] if node.args else None
            if node.func.id in READERS and isinstance(first, ast.Constant):
                names.add(str(first.value))
    return names


def test_texts_every_name_is_a_response_with_its_placeholders_filled() -> None:
    variants = first_variants()
    found = [
        problem
        for path in _sources()
        for problem in problems(path.read_text("utf-8"), variants, path.name)
    ]
    assert found == []


def test_texts_every_response_is_said_by_someone() -> None:
    """A response is read by an action, uttered by a rule or story, asked by a form
    (``utter_ask_<slot>``) or Rasa's fallback (``utter_default``): none is left over."""
    read = _read_names()
    assert {"utter_technical_error", "utter_support_summary", "utter_rollout_fuels"} <= read
    dialogues = " ".join(p.read_text("utf-8") for p in sorted(NLU_DIR.rglob("*.yml")))
    unused = [
        name
        for name in responses()
        if name not in read
        and name not in dialogues
        and not name.startswith("utter_ask_")
        and name != "utter_default"
    ]
    assert unused == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('text("utter_nowhere")', "utter_nowhere is not a response"),
        ('text("utter_support_submitted", number=1)', "needs ['email', 'number']"),
        ('text("utter_support_cancelled", extra=1)', "needs [], gets ['extra']"),
        ('text("utter_support_submitted")', "needs ['email', 'number'], gets []"),
        ("text(NAME)", "must be a string literal"),
        ('text("utter_support_submitted", **values)', "cannot be checked"),
        ('buttons("utter_support_cancelled")', "has no buttons"),
        ("from actions.texts import text as t", "aliased text"),
    ],
)
def test_texts_scan_reports_broken_calls(source: str, expected: str) -> None:
    found = problems(source, first_variants(), "module.py")
    assert len(found) == 1 and expected in found[0], found


def test_texts_scan_accepts_correct_calls() -> None:
    source = 'text("utter_support_submitted", number=1, email="a")\nbuttons("utter_kb_clarify")'
    assert problems(source, first_variants()) == []


def test_texts_fill_placeholders_and_buttons_are_fresh_copies() -> None:
    assert text("utter_status_not_found", reference="MJ-2024-000123").count("MJ-2024-000123") == 1
    assert "{name}" in responses()["utter_rollout_tic_where"]
    assert text("utter_rollout_tic_where", code="80", name="Somme") == "le département 80 (Somme)"
    first = buttons("utter_offer_support")
    first[0]["title"] = "changed"
    assert buttons("utter_offer_support")[0]["title"] != "changed"
    with pytest.raises(KeyError):
        text("utter_nowhere")


def test_texts_one_technical_error_apology() -> None:
    assert responses()["utter_technical_error"] == TECHNICAL_ERROR_TEXT
    sentences = [variant["text"] for variant in first_variants().values()]
    assert len(sentences) == len(set(sentences)), "two responses say the same sentence"


def test_texts_buttons_carry_the_payloads_the_actions_expect() -> None:
    offer = [b["payload"] for b in buttons("utter_offer_support")]
    assert offer == [OPEN_TICKET_PAYLOAD, DECLINE_PAYLOAD]
    assert EDIT_PAYLOAD in [b["payload"] for b in buttons("utter_support_summary")]
    edit = [b["payload"] for b in buttons("utter_support_edit_choice")]
    assert [edit_payload(slot) for slot in EDIT_FIELDS] == edit[: len(EDIT_FIELDS)]

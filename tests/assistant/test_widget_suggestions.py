"""The widget's suggested questions (its ``SUGGESTIONS`` table) are real questions of the
portal's FAQ, asked by their entry id."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from storage.paths import REPO_ROOT

WIDGET_JS = REPO_ROOT / "assistant" / "static" / "widget" / "claude-widget.js"
FAQ_DIR = REPO_ROOT / "knowledge_base" / "faq"
ROW = re.compile(r"^    \[(/.+/)i?, \[$", re.MULTILINE)
ENTRY = re.compile(r'^      \["(.+)", "([a-z0-9-]+)"\],$', re.MULTILINE)


def _table() -> str:
    source = WIDGET_JS.read_text(encoding="utf-8")
    start = source.index("var SUGGESTIONS = [")
    return source[start : source.index("\n  ];", start)]


def _faq() -> dict[str, str]:
    questions: dict[str, str] = {}
    for path in sorted(Path(FAQ_DIR).glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            questions[str(entry["id"])] = str(entry["question"])
    return questions


def test_widget_suggestions_are_faq_questions_by_their_id() -> None:
    faq = _faq()
    entries = ENTRY.findall(_table())
    assert len(entries) >= 20
    for question, entry_id in entries:
        assert faq.get(entry_id) == question, entry_id


def test_widget_suggestions_offer_three_or_four_per_page_with_a_default() -> None:
    rows = re.split(r"^    \[/", _table(), flags=re.MULTILINE)[1:]
    assert len(rows) == len(ROW.findall(_table())) >= 6
    for row in rows:
        assert 3 <= len(ENTRY.findall(row)) <= 4, row[:40]
    assert rows[-1].startswith(".*/"), "the last row must match every page"

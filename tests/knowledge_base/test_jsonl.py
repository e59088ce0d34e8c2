"""The one JSON Lines reader of the evaluation sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.jsonl import read_jsonl


def test_read_jsonl_skips_blank_lines_and_numbers_the_others(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "a"}\n\n   \n{"id": "b"}\n', encoding="utf-8")
    assert read_jsonl(path) == [(1, {"id": "a"}), (4, {"id": "b"})]


@pytest.mark.parametrize(
    ("line", "message"), [("{oops", "JSON invalide"), ("[1, 2]", "un objet JSON est attendu")]
)
def test_read_jsonl_bad_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "a"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"set.jsonl:2: {message}"):
        read_jsonl(path)

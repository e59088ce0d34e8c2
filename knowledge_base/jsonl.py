"""Reading the JSON Lines sets (evaluation sets, retrieval set): one place, one error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line; a line that is not a JSON object
    raises :class:`ValueError` with a French message naming the file and the line."""
    items: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: JSON invalide ({exc.msg})") from exc
        if not isinstance(item, dict):
            raise ValueError(f"{path}:{number}: un objet JSON est attendu")
        items.append((number, item))
    return items

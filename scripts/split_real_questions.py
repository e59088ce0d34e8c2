"""Split the collected real-question files into a development set and a held-out test set.

Items are grouped by source URL (two questions from one page never straddle the split)
and each URL goes to the test set when the first byte of its SHA-256 is below
``TEST_SHARE`` × 256: deterministic, blind to the questions' content.

Usage: .venv/bin/python scripts/split_real_questions.py eval/real_questions/collected_*.jsonl
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

TEST_SHARE = 0.6
OUT_DIR = Path(__file__).resolve().parents[1] / "eval" / "real_questions"


def is_test(url: str) -> bool:
    return hashlib.sha256(url.encode("utf-8")).digest()[0] < TEST_SHARE * 256


def main(paths: list[str]) -> int:
    items = [
        json.loads(line)
        for path in paths
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    split: dict[str, list[dict]] = {"test": [], "dev": []}
    for item in items:
        split["test" if is_test(str(item.get("source_url") or item["id"])) else "dev"].append(item)
    for name, chosen in split.items():
        path = OUT_DIR / f"{name}.jsonl"
        path.write_text(
            "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in chosen), encoding="utf-8"
        )
        print(name, len(chosen), dict(Counter(i["kind"] for i in chosen)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Build the labelled personal-data set from its hand-written source.

``eval/redaction/messages.txt`` holds one French chat message a line, with inline marks:
``[[email:…]]``, ``[[phone:…]]``, ``[[iban:…]]``, ``[[nir:…]]``, ``[[address:…]]`` for the
personal data that must be redacted, ``[[keep:KIND:…]]`` for a look-alike that must be kept.
This script strips the marks, records each span's offsets in the plain text, checks every
IBAN (ISO 13616 mod 97) and NIR (key = 97 − number mod 97, Corsica 2A/2B read as 19/18),
and writes ``dev.jsonl`` and ``test.jsonl`` beside the source.

The split was fixed before any redaction was run on the set: a message goes to the test
set when the first byte of the SHA-256 of its text is below ``TEST_SHARE`` × 256
(deterministic, blind to the content).

Usage: .venv/bin/python scripts/build_redaction_set.py
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

TEST_SHARE = 0.4
SET_DIR = Path(__file__).resolve().parents[1] / "eval" / "redaction"
PII_TYPES = ("email", "phone", "iban", "nir", "address")
MARK = re.compile(r"\[\[(?:(email|phone|iban|nir|address)|keep:([a-z_]+)):(.+?)\]\](?!\])")
NIR_KEY_MODULUS = 97


def iban_is_valid(value: str) -> bool:
    compact = re.sub(r"[\s-]", "", value).upper()
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def nir_is_valid(value: str) -> bool:
    compact = re.sub(r"\s", "", value).upper()
    body = compact[:13].replace("2A", "19").replace("2B", "18")
    return NIR_KEY_MODULUS - int(body) % NIR_KEY_MODULUS == int(compact[13:])


def parse_line(line: str) -> tuple[str, list[dict[str, object]], list[dict[str, object]]]:
    text, spans, keeps, cursor = "", [], [], 0
    for mark in MARK.finditer(line):
        text += line[cursor : mark.start()]
        pii_type, keep_kind, value = mark.groups()
        item: dict[str, object] = {"start": len(text), "end": len(text) + len(value)}
        text += value
        if pii_type:
            spans.append({**item, "type": pii_type, "value": value})
        else:
            keeps.append({**item, "kind": keep_kind, "value": value})
        cursor = mark.end()
    text += line[cursor:]
    if "[[" in text or "]]" in text.replace("[at]", ""):
        raise ValueError(f"unbalanced mark in: {line}")
    return text, spans, keeps


def check(spans: list[dict[str, object]]) -> None:
    for span in spans:
        value = str(span["value"])
        if span["type"] == "iban" and not iban_is_valid(value):
            raise ValueError(f"IBAN with a wrong checksum: {value}")
        if span["type"] == "nir" and not nir_is_valid(value):
            raise ValueError(f"NIR with a wrong key: {value}")


def is_test(text: str) -> bool:
    return hashlib.sha256(text.encode("utf-8")).digest()[0] < TEST_SHARE * 256


def main() -> int:
    lines = (SET_DIR / "messages.txt").read_text(encoding="utf-8").splitlines()
    split: dict[str, list[str]] = {"dev": [], "test": []}
    number = 0
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        number += 1
        text, spans, keeps = parse_line(line)
        check(spans)
        item = {"id": f"red-{number:03d}", "text": text, "spans": spans, "keep": keeps}
        split["test" if is_test(text) else "dev"].append(json.dumps(item, ensure_ascii=False))
    for name, rows in split.items():
        (SET_DIR / f"{name}.jsonl").write_text("".join(r + "\n" for r in rows), encoding="utf-8")
        print(f"{name}: {len(rows)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())

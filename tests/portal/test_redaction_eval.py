"""The labelled set of French chat messages and the redaction's recall and precision on it
(portal.conversations.redaction_eval, eval/redaction/)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from portal.conversations.redaction_eval import (
    LOOKALIKE_BUDGET,
    PII_TYPES,
    RECALL_FLOOR,
    TYPE_RECALL_FLOOR,
    load,
    main,
    score,
)

TEST_SHARE_BYTE = 0.4 * 256  # scripts/build_redaction_set.py: first SHA-256 byte below → test


def _iban_ok(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    return int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1


def _nir_ok(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    body = int(compact[:13].replace("2A", "19").replace("2B", "18"))
    return 97 - body % 97 == int(compact[13:])


def test_redaction_eval_set_is_large_and_varied() -> None:
    rows = load("all")
    assert len(rows) >= 220
    assert sum(1 for row in rows if not row["spans"]) >= 60
    counts = {t: sum(s["type"] == t for r in rows for s in r["spans"]) for t in PII_TYPES}
    assert min(counts.values()) >= 25, counts
    assert len({row["id"] for row in rows}) == len(rows)


@pytest.mark.parametrize("split", ["dev", "test"])
def test_redaction_eval_split_is_the_hashed_one(split: str) -> None:
    for row in load(split):
        in_test = hashlib.sha256(row["text"].encode()).digest()[0] < TEST_SHARE_BYTE
        assert in_test == (split == "test"), row["id"]


def test_redaction_eval_spans_match_their_text_and_checksums() -> None:
    for row in load("all"):
        text: str = row["text"]
        for item in row["spans"] + row["keep"]:
            assert text[item["start"] : item["end"]] == item["value"], row["id"]
        for span in row["spans"]:
            if span["type"] == "iban":
                assert _iban_ok(span["value"]), span
            if span["type"] == "nir":
                assert _nir_ok(span["value"]), span
            if span["type"] == "email":
                assert re.search(r"@|arobase|\[at\]", span["value"]), span


@pytest.mark.parametrize("split", ["dev", "test"])
def test_redaction_eval_meets_the_floors(split: str) -> None:
    report = score(load(split))
    assert report.recall() >= RECALL_FLOOR
    for pii_type in PII_TYPES:
        assert report.recall(pii_type) >= TYPE_RECALL_FLOOR, pii_type
    assert len(report.lookalikes_redacted) <= LOOKALIKE_BUDGET, report.lookalikes_redacted
    assert report.below_floors() == []


def _row(text: str, spans: list[tuple[str, str]], keep: list[str]) -> dict[str, Any]:
    def at(value: str) -> dict[str, Any]:
        start = text.index(value)
        return {"start": start, "end": start + len(value), "value": value}

    return {
        "id": "x",
        "text": text,
        "spans": [{**at(v), "type": t} for t, v in spans],
        "keep": [{**at(v), "kind": "k"} for v in keep],
    }


def test_redaction_eval_scores_hand_labelled_rows() -> None:
    text = "Appelez le 06 12 34 56 78, SIRET 88234567800016, Marc"
    right = _row(text, [("phone", "06 12 34 56 78")], ["88234567800016"])
    report = score([right])
    assert (report.recall("phone"), report.precision, report.lookalikes_redacted) == (1.0, 1.0, [])
    # A label reaching past what is redacted is a miss; a look-alike redacted is counted.
    wrong = _row(text, [("phone", "06 12 34 56 78, SIRET"), ("nir", "Marc")], ["06 12"])
    report = score([wrong])
    assert report.recalled["phone"] == 0 and report.items == {"phone": 1, "nir": 1}
    assert report.misses == ["x phone: '06 12 34 56 78, SIRET'", "x nir: 'Marc'"]
    assert report.lookalikes_redacted == ["x k: '06 12'"]
    assert report.recall() == 0.0 and report.precision == 1.0
    assert report.below_floors() == [  # one look-alike is within the budget
        f"recall 0.000 < {RECALL_FLOOR}",
        f"recall phone 0.000 < {TYPE_RECALL_FLOOR}",
        f"recall nir 0.000 < {TYPE_RECALL_FLOOR}",
    ]
    unlabelled = _row(text, [], [])
    assert score([unlabelled]).precision == 0.0
    lookalikes = _row(text, [("phone", "06 12 34 56 78")], ["06", "12 34", "56 78"])
    assert score([lookalikes]).below_floors() == [f"3 look-alikes redacted > {LOOKALIKE_BUDGET}"]


def test_redaction_eval_command_prints_each_split(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["all"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("dev: ") and "\ntest: " in out
    assert out.count("recall overall") == 2 and "look-alikes kept" in out
    assert main(["nimporte"]) == 2

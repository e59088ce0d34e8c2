"""Fail when the NLU scores on the held-out examples drop under their floors.

Reads the ``intent_report.json`` that ``rasa test nlu --nlu tests/rasa/test_nlu.yml``
writes, prints the F1 of each intent, the accuracy and the weighted F1, and exits 1 when
the accuracy or the weighted F1 is under its floor or an intent's F1 under the per-intent
floor (2 when the report is missing or malformed). Run by scripts/test.sh after
``rasa test nlu``.

Usage: .venv/bin/python scripts/nlu_floor.py [var/rasa-nlu-results/intent_report.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPORT = REPO_ROOT / "var" / "rasa-nlu-results" / "intent_report.json"

# Measured on 2026-12-06 (model trained on nlu_data after the leakage clean-up, 137
# held-out examples of tests/rasa/test_nlu.yml, 7 misclassified): accuracy 0.949,
# weighted F1 0.949 (macro F1 0.952).
# DIET's CPU training is not reproducible across machines: the same data, config and seed
# gave 0.949-0.956, 0.920, 0.891 and 0.942 on the machines of sessions 5 to 11. On the
# machine of 2026-12-07 the three knowledge-base wordings per entry of questions_kb.yml gave
# 0.861 (seed 42) and 0.898 (seed 7), and the 0.861 model failed end to end (the status
# lookup of « où en sont mes formulaires ? », an out-of-scope item of the shared dev set):
# this floor was right to fail it. One wording per entry gives 0.949 there with both seeds
# (scripts/kb_nlu_examples.py).
# Besides the aggregate floors, each intent with at least MIN_SUPPORT held-out examples must
# keep an F1 of at least INTENT_F1_FLOOR: a broken intent (about 0) fails on any machine,
# even one where the aggregate stays above its floor.
ACCURACY_FLOOR = 0.88
WEIGHTED_F1_FLOOR = 0.88
INTENT_F1_FLOOR = 0.5
MIN_SUPPORT = 5

# Keys of sklearn's classification report that are averages, not intents.
SUMMARY_KEYS = {"accuracy", "micro avg", "macro avg", "weighted avg"}


def load_report(path: Path) -> dict[str, Any]:
    """The report as a dict; raises ``ValueError`` when it is not one."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "weighted avg" not in data:
        raise ValueError(f"{path} : rapport d'intentions sans « weighted avg »")
    return data


def accuracy(report: dict[str, Any]) -> float:
    """The overall accuracy (Rasa writes ``micro avg`` instead when some label is absent)."""
    if "accuracy" in report:
        return float(report["accuracy"])
    return float(report["micro avg"]["f1-score"])


def intent_rows(report: dict[str, Any]) -> list[tuple[str, float, int]]:
    """(intent, F1, support) for each intent of the report, worst F1 first."""
    rows = [
        (name, float(values["f1-score"]), int(values["support"]))
        for name, values in report.items()
        if name not in SUMMARY_KEYS and isinstance(values, dict)
    ]
    return sorted(rows, key=lambda row: (row[1], row[0]))


def check(
    report: dict[str, Any],
    accuracy_floor: float = ACCURACY_FLOOR,
    weighted_f1_floor: float = WEIGHTED_F1_FLOOR,
) -> list[str]:
    """The floors that the report misses, as French messages (empty: all met)."""
    failures: list[str] = []
    measured = accuracy(report)
    weighted = float(report["weighted avg"]["f1-score"])
    if measured < accuracy_floor:
        failures.append(f"exactitude {measured:.3f} < plancher {accuracy_floor:.3f}")
    if weighted < weighted_f1_floor:
        failures.append(f"F1 pondéré {weighted:.3f} < plancher {weighted_f1_floor:.3f}")
    for name, f1, support in intent_rows(report):
        if support >= MIN_SUPPORT and f1 < INTENT_F1_FLOOR:
            failures.append(f"F1 de {name} {f1:.3f} < plancher {INTENT_F1_FLOOR:.2f}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, default=DEFAULT_REPORT)
    args = parser.parse_args(argv)
    try:
        report = load_report(args.report)
    except (OSError, ValueError) as exc:
        print(f"Rapport NLU illisible : {exc}", file=sys.stderr)
        return 2
    print(f"{'intention':<20} {'F1':>6} {'exemples':>9}")
    for name, f1, support in intent_rows(report):
        print(f"{name:<20} {f1:6.3f} {support:9d}")
    print(
        f"Exactitude {accuracy(report):.3f} (plancher {ACCURACY_FLOOR:.2f}), "
        f"F1 pondéré {report['weighted avg']['f1-score']:.3f} "
        f"(plancher {WEIGHTED_F1_FLOOR:.2f}), F1 de chaque intention ≥ {INTENT_F1_FLOOR:.2f}"
    )
    failures = check(report)
    if failures:
        print("NLU sous le plancher : " + " ; ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

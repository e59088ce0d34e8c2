"""scripts/nlu_floor.py: the CI check of the held-out NLU scores."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "nlu_floor.py"


@pytest.fixture(scope="module")
def nlu_floor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nlu_floor", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report(accuracy: float, weighted_f1: float) -> dict[str, Any]:
    intent = {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 6}
    return {
        "greet": {**intent, "confused_with": {}},
        "deny": {**intent, "f1-score": 0.5, "confused_with": {"affirm": 2}},
        "accuracy": accuracy,
        "macro avg": {**intent, "support": 12},
        "weighted avg": {**intent, "f1-score": weighted_f1, "support": 12},
    }


def test_nlu_floor_floors_are_set(nlu_floor: ModuleType) -> None:
    assert 0.5 < nlu_floor.ACCURACY_FLOOR < 1
    assert 0.5 < nlu_floor.WEIGHTED_F1_FLOOR < 1


def test_nlu_floor_check_passes_at_the_floors(nlu_floor: ModuleType) -> None:
    report = _report(nlu_floor.ACCURACY_FLOOR, nlu_floor.WEIGHTED_F1_FLOOR)
    assert nlu_floor.check(report) == []


def test_nlu_floor_check_fails_under_each_floor(nlu_floor: ModuleType) -> None:
    report = _report(nlu_floor.ACCURACY_FLOOR - 0.01, nlu_floor.WEIGHTED_F1_FLOOR - 0.01)
    failures = nlu_floor.check(report)
    assert len(failures) == 2
    assert failures[0].startswith("exactitude") and failures[1].startswith("F1 pondéré")


def test_nlu_floor_check_fails_on_a_broken_intent(nlu_floor: ModuleType) -> None:
    report = _report(1.0, 1.0)
    report["greet"] = {**report["greet"], "f1-score": 0.0}
    assert nlu_floor.check(report) == [
        f"F1 de greet 0.000 < plancher {nlu_floor.INTENT_F1_FLOOR:.2f}"
    ]
    report["greet"]["support"] = nlu_floor.MIN_SUPPORT - 1  # too few examples to judge
    assert nlu_floor.check(report) == []


def test_nlu_floor_intent_rows_skip_averages_worst_first(nlu_floor: ModuleType) -> None:
    rows = nlu_floor.intent_rows(_report(0.9, 0.9))
    assert rows == [("deny", 0.5, 6), ("greet", 1.0, 6)]


def test_nlu_floor_accuracy_falls_back_on_micro_average(nlu_floor: ModuleType) -> None:
    report = _report(0.9, 0.9)
    del report["accuracy"]
    report["micro avg"] = {"precision": 0.8, "recall": 0.8, "f1-score": 0.8, "support": 12}
    assert nlu_floor.accuracy(report) == 0.8


def test_nlu_floor_main_exit_codes(nlu_floor: ModuleType, tmp_path: Path) -> None:
    assert nlu_floor.main([str(tmp_path / "absent.json")]) == 2
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_report(1.0, 1.0)), encoding="utf-8")
    assert nlu_floor.main([str(good)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_report(0.1, 0.1)), encoding="utf-8")
    assert nlu_floor.main([str(bad)]) == 1

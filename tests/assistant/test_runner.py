"""The runner retrains only when the training inputs change."""

from __future__ import annotations

from pathlib import Path

from assistant.runner import training_fingerprint


def _project(root: Path) -> None:
    (root / "nlu_data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("language: fr\n")
    (root / "domain").mkdir()
    (root / "domain" / "core.yml").write_text("version: '3.1'\n")
    (root / "nlu_data" / "nlu" / "smalltalk.yml").write_text("nlu: []\n")


def test_training_fingerprint_is_stable(tmp_path: Path) -> None:
    _project(tmp_path)
    assert training_fingerprint(tmp_path) == training_fingerprint(tmp_path)


def test_training_fingerprint_changes_with_training_data(tmp_path: Path) -> None:
    _project(tmp_path)
    before = training_fingerprint(tmp_path)
    (tmp_path / "nlu_data" / "nlu" / "smalltalk.yml").write_text("nlu: [x]\n")
    assert training_fingerprint(tmp_path) != before


def test_training_fingerprint_ignores_unrelated_files(tmp_path: Path) -> None:
    _project(tmp_path)
    before = training_fingerprint(tmp_path)
    (tmp_path / "README.md").write_text("doc\n")
    assert training_fingerprint(tmp_path) == before

"""The layers of ``../shared/ARCHITECTURE.md`` hold: a lower package never imports a higher one.

The contract is ``[tool.importlinter]`` in ``pyproject.toml``; import-linter reads every import
of our packages, including the ones inside functions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter.cli import lint_imports

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_layers_no_lower_package_imports_a_higher_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    assert lint_imports(config_filename="pyproject.toml", no_cache=True, no_logo=True) == 0

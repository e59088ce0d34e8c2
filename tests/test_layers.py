"""The layers of ``../shared/ARCHITECTURE.md`` hold: a lower package never imports a higher one.

The contract is ``[tool.importlinter]`` in ``pyproject.toml``; import-linter reads every import
of our packages, including the ones inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_layers_no_lower_package_imports_a_higher_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    assert lint_imports(config_filename="pyproject.toml", no_cache=True, no_logo=True) == 0


PACKAGES = (
    "assistant", "actions", "nlu_components", "support_tickets", "portal", "web_common",
    "storage", "knowledge_base",
)  # fmt: skip
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def test_layers_modules_and_functions_stay_small() -> None:
    """Small modules named for what they do: none over 400 lines, no function over 60
    (the migrations, one ``op.*`` call after another, excepted)."""
    too_big: list[str] = []
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            name = path.relative_to(REPO_ROOT)
            if len(source.splitlines()) > MAX_MODULE_LINES:
                too_big.append(f"{name}: {len(source.splitlines())} lines")
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        too_big.append(f"{name}:{node.name}: {length} lines")
    assert not too_big, "\n".join(too_big)

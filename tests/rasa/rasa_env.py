"""Run a script in Rasa's own environment (``.venv-rasa``, Python 3.10) from a test and read
the JSON object it prints last. Without that environment the test is skipped."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from storage.paths import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT_TIMEOUT_S = 300


def run_in_rasa_env(script: str, *args: str) -> dict[str, Any]:
    """``script`` run with ``args`` from the repository root; its last printed line, as JSON.
    Fails with the script's error output when it exits non-zero."""
    if not RASA_PYTHON.exists():
        pytest.skip("no Rasa environment (.venv-rasa)")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", script, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result

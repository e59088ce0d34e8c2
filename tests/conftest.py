"""Test-wide set-up: a throw-away SQLite database and test settings, before any app import."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="assistant-tests-"))
os.environ.setdefault("ASSISTANT_DATABASE_URL", f"sqlite:///{_TMP / 'test.db'}")
os.environ.setdefault("ASSISTANT_ENVIRONMENT", "test")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

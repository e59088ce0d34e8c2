"""Test-wide set-up: a throw-away SQLite database and test settings, before any app import."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter

_TMP = Path(tempfile.mkdtemp(prefix="assistant-tests-"))
os.environ.setdefault("ASSISTANT_DATABASE_URL", f"sqlite:///{_TMP / 'test.db'}")
os.environ.setdefault("ASSISTANT_ENVIRONMENT", "test")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# --- no silent skip ------------------------------------------------------------------------
# A skipped test is a check that did not run. Outside the reasons listed here a skip fails
# the session, so a missing index, embedder or evaluation set shows as a failure in CI
# instead of one quiet "s". Each allowed reason says why the skip is expected.
ALLOWED_SKIP_REASONS: dict[str, str] = {
    "browser test: run with": (
        "browser tests run in their own step of scripts/test.sh (`pytest -m browser`); a plain "
        "`pytest -m ''` run marks them skipped rather than starting Chromium"
    ),
}

_unexpected_skips: list[str] = []


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.skipped:
        return
    reason = _skip_reason(report)
    if hasattr(report, "wasxfail") or not any(
        reason.startswith(allowed) for allowed in ALLOWED_SKIP_REASONS
    ):
        _unexpected_skips.append(f"{report.nodeid}: {reason or 'xfail'}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _unexpected_skips and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if _unexpected_skips:
        terminalreporter.section("tests sautés sans raison admise (tests/conftest.py)", red=True)
        for line in _unexpected_skips:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _no_real_tracker_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The app's start-up purge also deletes old Rasa tracker events (assistant/retention.py):
    in-process tests must never touch the repository's own tracker database."""
    from assistant import tracker_retention

    missing = tmp_path_factory.getbasetemp() / "no-endpoints.yml"
    monkeypatch.setattr(tracker_retention, "ENDPOINTS_FILE", missing)


# --- loggers left disabled by an earlier test --------------------------------------------------
# Some library in the run reconfigures logging and leaves our modules' loggers disabled or not
# propagating (seen on 2026-12-06: the Redis outage tests' records never reached caplog in the
# whole run, while they did alone). Tests that read log records need them as production has
# them: enabled and propagating to the root handlers.
_OWN_LOGGERS = (
    "actions",
    "assistant",
    "knowledge_base",
    "portal",
    "storage",
    "support_tickets",
    "web_common",
)


@pytest.fixture(autouse=True)
def _own_loggers_enabled() -> None:
    import logging

    if logging.root.manager.disable:
        logging.disable(logging.NOTSET)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.startswith(_OWN_LOGGERS):
            logger.disabled = False
            logger.propagate = True

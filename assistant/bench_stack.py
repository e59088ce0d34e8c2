"""A stack for the load test (``make bench``): started, measured, stopped.

``python -m assistant serve --no-train --no-index`` on its own ports (``BENCH_WEB_PORT``,
``BENCH_RASA_PORT``, ``BENCH_ACTIONS_PORT``; 8300, 8301 and 8302 by default, so that a
``make run`` on :8000 is left alone), its own SQLite database in a temporary directory, and
the rate limits lifted: the load comes from one address. The model and the index must be
built (``make train``, ``make index``). Stopped with SIGINT, as Ctrl-C stops ``make run``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.runner import pids_file
from storage.paths import REPO_ROOT

READY_TEXT = "Assistant prêt"
READY_TIMEOUT_S = 600.0
"""Longest wait for the stack to be ready (Rasa loading its model is most of it: 180 to
300 s on the loaded 2-core machine of 2026-12-06)."""
STOP_TIMEOUT_S = 60.0
LIFTED_RATE_LIMIT = "1000000"
"""Messages per minute, per session and per client, while the load test runs."""
DEFAULT_PORTS = {"BENCH_WEB_PORT": 8300, "BENCH_RASA_PORT": 8301, "BENCH_ACTIONS_PORT": 8302}


class StackFailed(RuntimeError):
    """The stack stopped or was not ready in time."""


def ports() -> tuple[int, int, int]:
    """Web, Rasa and action server ports, from the environment or the defaults."""
    web, rasa, actions = (int(os.environ.get(k, v)) for k, v in DEFAULT_PORTS.items())
    return web, rasa, actions


def stack_env(web: int, rasa: int, actions: int, database: Path) -> dict[str, str]:
    """The environment of the benchmarked stack."""
    return {
        **os.environ,
        "ASSISTANT_WEB_PORT": str(web),
        "ASSISTANT_RASA_URL": f"http://127.0.0.1:{rasa}",
        "ASSISTANT_ACTION_SERVER_URL": f"http://127.0.0.1:{actions}",
        "ASSISTANT_DATABASE_URL": f"sqlite:///{database}",
        "ASSISTANT_RATE_LIMIT_PER_SESSION": LIFTED_RATE_LIMIT,
        "ASSISTANT_RATE_LIMIT_PER_CLIENT": LIFTED_RATE_LIMIT,
    }


def wait_ready(process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    """Return once the runner printed « Assistant prêt »; raise :class:`StackFailed` if it
    stops first or takes longer than ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while READY_TEXT not in log.read_text(encoding="utf-8", errors="replace"):
        if process.poll() is not None:
            raise StackFailed(f"la pile s'est arrêtée au démarrage : voir {log}")
        if time.monotonic() > deadline:
            raise StackFailed(f"pile non prête après {timeout_s:.0f} s : voir {log}")
        time.sleep(0.5)


@contextmanager
def running_stack() -> Iterator[tuple[str, str, Path]]:
    """Start the stack, yield its web URL, Rasa URL and PIDs file, and stop it."""
    web, rasa, actions = ports()
    log = REPO_ROOT / "var" / "bench" / f"serve-{web}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, log.open("wb") as out:
        command = [sys.executable, "-m", "assistant", "serve", "--no-train", "--no-index"]
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=stack_env(web, rasa, actions, Path(tmp) / "app.db"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(process, log, READY_TIMEOUT_S)
            yield f"http://127.0.0.1:{web}", f"http://127.0.0.1:{rasa}", pids_file(web)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

"""End-to-end fixtures: the README's run command (`python -m assistant serve`) started for
real — trained Rasa model, action server, web app — and stopped with Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from assistant import REPO_ROOT
from assistant.config import get_settings
from assistant.runner import pids_file

# Ports come from the settings (ASSISTANT_WEB_PORT, ASSISTANT_RASA_URL,
# ASSISTANT_ACTION_SERVER_URL), so a second stack can run beside a developer's.
SETTINGS = get_settings()
WEB_URL = f"http://127.0.0.1:{SETTINGS.web_port}"
READY_TIMEOUT_S = 420


@dataclass
class Stack:
    process: subprocess.Popen[str]
    url: str
    log_path: Path

    def pids(self) -> dict[str, int]:
        return json.loads(pids_file(SETTINGS.web_port).read_text())

    def chat(self, session_id: str, message: str, timeout: float = 60.0) -> httpx.Response:
        return httpx.post(
            f"{self.url}/api/chat",
            json={"session_id": session_id, "message": message},
            timeout=timeout,
        )

    def reply_text(self, session_id: str, message: str) -> str:
        response = self.chat(session_id, message)
        assert response.status_code == 200, response.text
        return "\n".join(m["text"] for m in response.json()["messages"])

    def wait_healthy(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"runner exited, see {self.log_path}"
            try:
                if httpx.get(f"{self.url}/health", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise AssertionError(f"stack not healthy after {timeout_s} s, see {self.log_path}")


def _port_free(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.HTTPError:
        return True
    return False


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    ports = (
        int(SETTINGS.rasa_url.rsplit(":", 1)[1]),
        int(SETTINGS.action_server_url.rsplit(":", 1)[1]),
        SETTINGS.web_port,
    )
    for port in ports:
        assert _port_free(port), f"port {port} already in use: stop the running assistant"
    log_path = tmp_path_factory.mktemp("e2e") / "runner.log"
    log = log_path.open("w")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = Stack(process, WEB_URL, log_path)
    try:
        stack.wait_healthy()
        deadline = time.monotonic() + 120
        while "Assistant prêt" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        print(log_path.read_text()[-3000:])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is end-to-end."""
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)

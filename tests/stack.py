"""The real stack for the end-to-end and browser tests: the README's run command
(`python -m assistant serve`: trained Rasa model, action server, web app) started on the
given ports and stopped with Ctrl-C (SIGINT), as a user would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from assistant.chat.api_client import ConversationKeys
from assistant.runner import pids_file
from storage.paths import REPO_ROOT

READY_TIMEOUT_S = 420


@dataclass
class Stack:
    """A running stack; ``process`` is None when the tests reuse one started elsewhere."""

    process: subprocess.Popen[str] | None
    url: str
    log_path: Path | None
    web_port: int = 8000
    keys: ConversationKeys = field(default_factory=ConversationKeys)

    def pids(self) -> dict[str, int]:
        pids: dict[str, int] = json.loads(pids_file(self.web_port).read_text())
        return pids

    def chat(self, session_id: str, message: str, timeout: float = 60.0) -> httpx.Response:
        """One message, with the conversation's key once its first reply gave it."""
        response = httpx.post(
            f"{self.url}/api/chat",
            json={"session_id": session_id, "message": message},
            headers=self.keys.headers(session_id),
            timeout=timeout,
        )
        self.keys.remember(session_id, response)
        return response

    def history(self, session_id: str, timeout: float = 30.0) -> httpx.Response:
        return httpx.get(
            f"{self.url}/api/chat/{session_id}/history",
            headers=self.keys.headers(session_id),
            timeout=timeout,
        )

    def reply_text(self, session_id: str, message: str) -> str:
        response = self.chat(session_id, message)
        assert response.status_code == 200, response.text
        return "\n".join(m["text"] for m in response.json()["messages"])

    def wait_healthy(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is None or self.process.poll() is None, (
                f"runner exited, see {self.log_path}"
            )
            try:
                if httpx.get(f"{self.url}/health", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise AssertionError(f"stack not healthy after {timeout_s} s, see {self.log_path}")


def port_free(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.HTTPError:
        return True
    return False


@contextmanager
def running_stack(
    workdir: Path, web_port: int, rasa_port: int, actions_port: int, env: dict[str, str]
) -> Iterator[Stack]:
    """Start the stack on these ports (extra settings in ``env``), wait until the runner
    prints « Assistant prêt », yield it, then stop it with SIGINT."""
    for port in (web_port, rasa_port, actions_port):
        assert port_free(port), f"port {port} already in use: stop what runs there"
    log_path = workdir / "runner.log"
    full_env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "ASSISTANT_WEB_PORT": str(web_port),
        "ASSISTANT_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "ASSISTANT_ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}",
        **env,
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve"],
            cwd=REPO_ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    stack = Stack(process, f"http://127.0.0.1:{web_port}", log_path, web_port)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "Assistant prêt" not in log_path.read_text():
            assert process.poll() is None, f"runner exited, see {log_path}"
            assert time.monotonic() < deadline, f"stack not ready, see {log_path}"
            time.sleep(0.5)
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        print(log_path.read_text()[-3000:])

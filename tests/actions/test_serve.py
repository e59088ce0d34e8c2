"""The action server served in one process (``python -m actions.serve``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from assistant.config import Settings
from assistant.runner import make_servers
from storage.paths import REPO_ROOT

READY_TRIES = 120  # half a second apart


def test_serve_one_process_answers_with_every_action_and_stops_on_sigint() -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "actions.serve", "-p", str(port)],
        cwd=REPO_ROOT,
        env={**os.environ, "SANIC_HOST": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        names = _action_names(f"http://127.0.0.1:{port}", server)
        assert {"action_answer_question", "action_show_documentation"} <= names
        assert _children(server.pid) == []  # no Sanic manager: the server is the process
    finally:
        server.send_signal(signal.SIGINT)
        code = server.wait(timeout=60)
    assert code == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _action_names(url: str, server: subprocess.Popen[bytes]) -> set[str]:
    """The actions the server lists, once it answers (it starts in a few seconds)."""
    for _ in range(READY_TRIES):
        assert server.poll() is None, "the action server stopped"
        try:
            response = httpx.get(f"{url}/actions", timeout=5)
            return {item["name"] for item in response.json()}
        except httpx.HTTPError:
            time.sleep(0.5)
    raise AssertionError("the action server never answered")


def _children(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def test_serve_runner_starts_the_single_process_server() -> None:
    actions = next(s for s in make_servers(Settings(web_port=8291), "jeton") if s.kind == "actions")
    assert actions.command[1:3] == ["-m", "actions.serve"]
    assert actions.command[-2:] == ["-p", "5055"]

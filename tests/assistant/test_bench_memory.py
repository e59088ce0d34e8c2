"""Memory per process, read from a /proc tree written here, and the benchmarked stack's set-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.bench_memory import stack_memory, status_kib, totals
from assistant.bench_stack import LIFTED_RATE_LIMIT, StackFailed, stack_env, wait_ready


def _process(proc: Path, pid: int, rss_kib: int, children: list[int], pss_kib: int | None) -> None:
    base = proc / str(pid)
    (base / "task" / str(pid)).mkdir(parents=True)
    (base / "status").write_text(f"Name:\tpython\nVmPeak:\t9 kB\nVmRSS:\t{rss_kib} kB\n")
    (base / "cmdline").write_text(f"python\0-m\0server{pid}\0")
    (base / "task" / str(pid) / "children").write_text(" ".join(map(str, children)))
    if pss_kib is not None:
        (base / "smaps_rollup").write_text(f"Rss:\t{rss_kib} kB\nPss:\t{pss_kib} kB\n")


@pytest.fixture
def proc(tmp_path: Path) -> Path:
    root = tmp_path / "proc"
    _process(root, 1, 40 * 1024, [2, 3], 40 * 1024)  # the runner: its children are servers
    _process(root, 2, 1024 * 1024, [4], 600 * 1024)  # action server parent, forks a worker
    _process(root, 4, 1024 * 1024, [], 600 * 1024)
    _process(root, 3, 100 * 1024, [], 90 * 1024)  # web app
    return root


def _pids(tmp_path: Path, pids: dict[str, int]) -> Path:
    path = tmp_path / "servers.json"
    path.write_text(json.dumps(pids))
    return path


def test_bench_memory_each_process_once_with_its_role(tmp_path: Path, proc: Path) -> None:
    found = stack_memory(_pids(tmp_path, {"runner": 1, "actions": 2, "web": 3}), proc)
    assert [(p.server, p.role, p.pid, p.rss_mib) for p in found] == [
        ("runner", "main", 1, 40.0),
        ("actions", "main", 2, 1024.0),
        ("actions", "child", 4, 1024.0),
        ("web", "main", 3, 100.0),
    ]
    assert found[2].command == "python -m server4"
    assert totals(found) == {"rss_mib": 2188.0, "pss_mib": 1330.0}


def test_bench_memory_gone_process_and_missing_pss(tmp_path: Path, proc: Path) -> None:
    (proc / "3" / "smaps_rollup").unlink()
    found = stack_memory(_pids(tmp_path, {"web": 3, "rasa": 99}), proc)
    assert [(p.pid, p.pss_mib) for p in found] == [(3, None)]
    assert totals(found) == {"rss_mib": 100.0, "pss_mib": None}


def test_bench_memory_status_field_absent_is_zero() -> None:
    assert status_kib("Name:\tx\nVmRSS:\t12 kB\n", "VmRSS") == 12
    assert status_kib("Name:\tx\n", "VmRSS") == 0


def test_bench_stack_env_lifts_the_rate_limits_on_its_own_ports(tmp_path: Path) -> None:
    env = stack_env(8300, 8301, 8302, tmp_path / "app.db")
    assert env["ASSISTANT_WEB_PORT"] == "8300"
    assert env["ASSISTANT_RASA_URL"] == "http://127.0.0.1:8301"
    assert env["ASSISTANT_ACTION_SERVER_URL"] == "http://127.0.0.1:8302"
    assert env["ASSISTANT_DATABASE_URL"] == f"sqlite:///{tmp_path / 'app.db'}"
    assert env["ASSISTANT_RATE_LIMIT_PER_SESSION"] == LIFTED_RATE_LIMIT
    assert env["ASSISTANT_RATE_LIMIT_PER_CLIENT"] == LIFTED_RATE_LIMIT


def test_bench_stack_wait_ready_reads_the_log(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    log.write_text("Démarrage…\nAssistant prêt en 30 s : http://127.0.0.1:8300/\n")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as running:
        wait_ready(running, log, timeout_s=5)
        running.kill()


def test_bench_stack_wait_ready_fails_when_the_stack_stops(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    log.write_text("Aucun modèle Rasa : lancez `make train`.\n")
    with subprocess.Popen([sys.executable, "-c", "pass"]) as stopped:
        stopped.wait()
        with pytest.raises(StackFailed, match="arrêtée au démarrage"):
            wait_ready(stopped, log, timeout_s=60)

"""CPU per message of each server, read from a /proc tree written here, and its table."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.bench_cpu import (
    CLIENT,
    cpu_ms_per_message,
    process_cpu_seconds,
    stack_cpu_seconds,
)
from assistant.bench_report import cpu_table, format_results

TICKS = os.sysconf("SC_CLK_TCK")


def _process(proc: Path, pid: int, utime: int, stime: int, children: list[int]) -> None:
    base = proc / str(pid)
    (base / "task" / str(pid)).mkdir(parents=True)
    # the command holds spaces and a parenthesis: the fields are read after the last one
    after = ["S", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", str(utime), str(stime), "0"]
    (base / "stat").write_text(f"{pid} (python -m x (y)) " + " ".join(after) + "\n")
    (base / "task" / str(pid) / "children").write_text(" ".join(map(str, children)))


@pytest.fixture
def proc(tmp_path: Path) -> Path:
    root = tmp_path / "proc"
    _process(root, 1, 10, 0, [2, 3])  # the runner: its children are the servers
    _process(root, 2, 3 * TICKS, 1 * TICKS, [4])  # action server and a worker it forked
    _process(root, 4, 2 * TICKS, 0, [])
    _process(root, 3, TICKS, TICKS, [])  # web app
    return root


def test_bench_cpu_process_seconds_are_user_plus_system(proc: Path) -> None:
    assert process_cpu_seconds(2, proc) == pytest.approx(4.0)
    assert process_cpu_seconds(99, proc) is None


def test_bench_cpu_stack_seconds_sum_each_server_and_its_children(
    tmp_path: Path, proc: Path
) -> None:
    pids = tmp_path / "servers.json"
    pids.write_text(json.dumps({"actions": 2, "web": 3, "rasa": 99}))
    seconds = stack_cpu_seconds(pids, proc)
    assert seconds["actions"] == pytest.approx(6.0)
    assert seconds["web"] == pytest.approx(2.0)
    assert "rasa" not in seconds  # gone
    assert seconds[CLIENT] > 0.0


def test_bench_cpu_per_message_leaves_out_servers_missing_or_restarted() -> None:
    before = {"rasa": 1.0, "web": 2.0, "actions": 9.0, CLIENT: 0.5}
    after = {"rasa": 1.3, "web": 2.1, "actions": 0.2, "new": 1.0, CLIENT: 0.6}
    assert cpu_ms_per_message(before, after, 100) == {
        "rasa": 3.0,
        "web": 1.0,
        CLIENT: 1.0,
        "total": 5.0,
    }
    assert cpu_ms_per_message(before, after, 0) == {}


def test_bench_cpu_table_one_row_per_measured_level() -> None:
    level = {
        "path": "web_knowledge",
        "users": 20,
        "messages": 300,
        "errors": 0,
        "p50_ms": 600.0,
        "p95_ms": 900.0,
        "max_ms": 1000.0,
        "throughput": 30.0,
        "knowledge_answers": 300,
    }
    measured = {**level, "cpu_ms_per_message": {"rasa": 27.0, "web": 9.5, "total": 36.5}}
    lines = cpu_table([level, measured])
    assert lines[2] == "| path | users | rasa | web | total |"
    assert (
        lines[-1] == "| web app `POST /api/chat`, portal questions (FAQ) | 20 | 27.0 | 9.5 | 36.5 |"
    )
    assert cpu_table([level]) == []
    assert "CPU per message" in format_results({"levels": [measured]})
    assert "CPU per message" not in format_results({"levels": [level]})

"""Memory of each process of a running stack, read from ``/proc``.

The runner writes its servers' PIDs to ``var/run/servers-<web port>.json``
(:func:`assistant.runner.pids_file`). Each server and each of its descendants (the action
server's Sanic worker, forked from its parent) is reported on its own line, with its
resident set (RSS) and its proportional set (PSS: pages shared between a forked parent and
its worker are split between them, so PSS adds up to what the stack really holds).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PROC = Path("/proc")


@dataclass
class ProcessMemory:
    server: str
    role: str
    """``"main"`` for the server's own process, ``"child"`` for a descendant."""
    pid: int
    command: str
    rss_mib: float
    pss_mib: float | None
    """``None`` where ``smaps_rollup`` cannot be read."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def status_kib(text: str, field: str) -> int:
    """The value in KiB of ``field`` (``VmRSS``, ``Pss``…) in a ``/proc`` status text; 0 when
    it is absent."""
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def children(pid: int, proc: Path = PROC) -> list[int]:
    """The PIDs of ``pid``'s direct children (none if it is gone)."""
    try:
        return [
            int(c) for c in (proc / str(pid) / "task" / str(pid) / "children").read_text().split()
        ]
    except OSError:
        return []


def read_process(server: str, role: str, pid: int, proc: Path = PROC) -> ProcessMemory | None:
    """One process's memory, ``None`` if it is gone."""
    base = proc / str(pid)
    try:
        status = (base / "status").read_text()
        command = " ".join((base / "cmdline").read_text().split("\0")).strip()
    except OSError:
        return None
    try:
        pss: float | None = status_kib((base / "smaps_rollup").read_text(), "Pss") / 1024
    except OSError:
        pss = None
    rss = status_kib(status, "VmRSS") / 1024
    return ProcessMemory(server, role, pid, command[:120], round(rss, 1), pss and round(pss, 1))


def stack_tree(pids_path: Path, proc: Path = PROC) -> list[tuple[str, str, int]]:
    """``(server, role, pid)`` of every process of the stack whose PIDs ``pids_path`` lists,
    descendants included (role ``"main"`` or ``"child"``)."""
    pids: dict[str, int] = json.loads(pids_path.read_text())
    listed = set(pids.values())  # the runner's children are the servers: each on its own
    found: list[tuple[str, str, int]] = []
    for server, pid in pids.items():
        pending = [(pid, "main")]
        while pending:
            current, role = pending.pop(0)
            if not (proc / str(current)).exists():
                continue
            found.append((server, role, current))
            pending.extend(
                (child, "child") for child in children(current, proc) if child not in listed
            )
    return found


def stack_processes(pids_path: Path, proc: Path = PROC) -> list[tuple[str, int]]:
    """``(server, pid)`` of every process of the stack, descendants included."""
    return [(server, pid) for server, _role, pid in stack_tree(pids_path, proc)]


def stack_memory(pids_path: Path, proc: Path = PROC) -> list[ProcessMemory]:
    """Every process of the stack whose PIDs ``pids_path`` lists, descendants included."""
    found = (
        read_process(server, role, pid, proc) for server, role, pid in stack_tree(pids_path, proc)
    )
    return [memory for memory in found if memory is not None]


def totals(processes: list[ProcessMemory]) -> dict[str, float | None]:
    """The stack's total RSS and PSS in MiB (PSS ``None`` if one process lacks it)."""
    pss = [p.pss_mib for p in processes]
    return {
        "rss_mib": round(sum(p.rss_mib for p in processes), 1),
        "pss_mib": None if None in pss else round(sum(p or 0.0 for p in pss), 1),
    }

"""CPU time each server of a running stack spends per message, read from ``/proc``.

Latency under load says *that* a path is slow; the CPU each process spends per message says
*where*: on 2 cores, a path whose messages cost ``c`` ms of CPU in all cannot pass
``2000 / c`` messages a second, whatever the concurrency. Around each level of the load test
the user and system CPU time of every server (its own process and its descendants, as
:mod:`assistant.bench_memory` lists them) and of the load client itself is read; the
difference divided by the messages sent is that level's CPU per message.
"""

from __future__ import annotations

import os
import resource
from collections import defaultdict
from pathlib import Path

from assistant.bench_memory import PROC, stack_processes

CLIENT = "client"
"""The load client's own share (the bench process: it shares the cores with the stack)."""


def process_cpu_seconds(pid: int, proc: Path = PROC) -> float | None:
    """User + system CPU seconds of ``pid`` so far (``None`` when it is gone)."""
    try:
        text = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after the command, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client_cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stack_cpu_seconds(pids_path: Path, proc: Path = PROC) -> dict[str, float]:
    """CPU seconds so far of each server of the stack (descendants included), and of the
    load client under :data:`CLIENT`."""
    totals: dict[str, float] = defaultdict(float)
    for server, pid in stack_processes(pids_path, proc):
        seconds = process_cpu_seconds(pid, proc)
        if seconds is not None:
            totals[server] += seconds
    totals[CLIENT] = client_cpu_seconds()
    return dict(totals)


def cpu_ms_per_message(
    before: dict[str, float], after: dict[str, float], messages: int
) -> dict[str, float]:
    """Milliseconds of CPU per message of each server between two readings, and their
    ``total``; servers missing from either reading (restarted, gone) are left out."""
    if messages <= 0:
        return {}
    shares = {
        name: round((after[name] - before[name]) * 1000 / messages, 1)
        for name in after
        if name in before and after[name] >= before[name]
    }
    shares["total"] = round(sum(shares.values()), 1)
    return shares

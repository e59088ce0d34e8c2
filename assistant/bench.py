"""Latency and memory of the running stack (``python -m assistant bench``).

Sends « bonjour » through the web app (``POST /api/chat``) and, for comparison, straight
to Rasa's REST channel, with 1 and 10 concurrent users, and reads the resident memory of
each server from ``/proc`` (the process and its children). Needs ``make run`` running.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from assistant.config import get_settings
from assistant.evaluation import percentile
from assistant.runner import pids_file

# Builds one request body for a session id (the web app's and Rasa's differ).
BodyOf = Callable[[str], dict[str, Any]]


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, in MiB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        pending.extend(int(c) for c in children)
    return total / 1024


async def _user(
    client: httpx.AsyncClient, url: str, body_of: BodyOf, n: int, out: list[float]
) -> None:
    sid = f"bench-{uuid.uuid4().hex}"
    for _ in range(n):
        started = time.perf_counter()
        response = await client.post(url, json=body_of(sid))
        response.raise_for_status()
        out.append((time.perf_counter() - started) * 1000)


async def measure(url: str, body_of: BodyOf, users: int, per_user: int) -> dict[str, float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=60) as client:
        await _user(client, url, body_of, 2, [])  # warm-up
        started = time.perf_counter()
        await asyncio.gather(
            *(_user(client, url, body_of, per_user, latencies) for _ in range(users))
        )
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 95),
        "n": len(latencies),
        "rps": len(latencies) / elapsed,
    }


def run(web_url: str, rasa_url: str, per_user: int) -> dict[str, object]:
    web = f"{web_url.rstrip('/')}/api/chat"
    rasa = f"{rasa_url.rstrip('/')}/webhooks/rest/webhook"
    results: dict[str, object] = {}
    for users in (1, 10):
        results[f"web_{users}"] = asyncio.run(
            measure(web, lambda s: {"session_id": s, "message": "bonjour"}, users, per_user)
        )
        results[f"rasa_{users}"] = asyncio.run(
            measure(rasa, lambda s: {"sender": s, "message": "bonjour"}, users, per_user)
        )
    pids_path = pids_file(get_settings().web_port)
    if pids_path.exists():
        pids = json.loads(pids_path.read_text())
        results["rss_mib"] = {
            name: round(rss_mib(pid), 1) for name, pid in pids.items() if name != "runner"
        }
    return results


def format_results(results: dict[str, object]) -> str:
    lines = [
        "| path | users | requests | p50 (ms) | p95 (ms) | req/s |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in (("web", "web app `POST /api/chat`"), ("rasa", "Rasa REST directly")):
        for users in (1, 10):
            r = results[f"{key}_{users}"]
            assert isinstance(r, dict)
            lines.append(
                f"| {label} | {users} | {r['n']} | {r['p50']:.0f} | {r['p95']:.0f} | "
                f"{r['rps']:.1f} |"
            )
    if "rss_mib" in results:
        lines.append("")
        lines.append("| process | resident memory (MiB) |")
        lines.append("|---|---|")
        rss = results["rss_mib"]
        assert isinstance(rss, dict)
        lines.extend(f"| {name} | {value:.0f} |" for name, value in rss.items())
    return "\n".join(lines)

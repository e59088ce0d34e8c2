"""Markdown tables of the load test's results (the JSON written next to them holds the same)."""

from __future__ import annotations

from typing import Any

from assistant.bench_stats import ratio

PATH_LABELS = {
    "rasa_bonjour": "Rasa REST directly, « bonjour »",
    "web_bonjour": "web app `POST /api/chat`, « bonjour »",
    "web_knowledge": "web app `POST /api/chat`, portal questions (FAQ)",
}


def _times(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def levels_table(levels: list[dict[str, Any]]) -> list[str]:
    """One row per path and number of users, then the knowledge/bare-Rasa p95 ratio."""
    lines = [
        "| path | users | messages | errors | p50 (ms) | p95 (ms) | msg/s | knowledge answers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in levels:
        label = PATH_LABELS.get(r["path"], r["path"])
        answered = str(r["knowledge_answers"]) if r["path"] == "web_knowledge" else "–"
        lines.append(
            f"| {label} | {r['users']} | {r['messages']} | {r['errors']} | {r['p50_ms']:.0f} | "
            f"{r['p95_ms']:.0f} | {r['throughput']:.1f} | {answered} |"
        )
    by_key = {(r["path"], r["users"]): r for r in levels}
    users = sorted({r["users"] for r in levels})
    ratios = []
    for n in users:
        knowledge, bare = by_key.get(("web_knowledge", n)), by_key.get(("rasa_bonjour", n))
        if knowledge and bare:
            ratios.append(f"{n} users {_times(ratio(knowledge['p95_ms'], bare['p95_ms']))}")
    if ratios:
        lines += ["", "p95 of knowledge answers / p95 of bare Rasa: " + ", ".join(ratios)]
    return lines


def cpu_table(levels: list[dict[str, Any]]) -> list[str]:
    """CPU milliseconds per message of each server and of the load client, by path and level
    (levels measured without the stack's PIDs are left out)."""
    measured = [r for r in levels if r.get("cpu_ms_per_message")]
    if not measured:
        return []
    names = sorted({n for r in measured for n in r["cpu_ms_per_message"]} - {"total"})
    lines = [
        "CPU per message (ms, user + system, warm-up messages included):",
        "",
        "| path | users | " + " | ".join(names) + " | total |",
        "|---|---|" + "---|" * (len(names) + 1),
    ]
    for r in measured:
        cpu = r["cpu_ms_per_message"]
        cells = " | ".join("–" if n not in cpu else f"{cpu[n]:.1f}" for n in names)
        label = PATH_LABELS.get(r["path"], r["path"])
        lines.append(f"| {label} | {r['users']} | {cells} | {cpu['total']:.1f} |")
    return lines


def long_table(long: dict[str, Any]) -> list[str]:
    """Median latency of turns 1, 10, 20… and the last, and last / first."""
    by_turn = long["p50_ms_by_turn"]
    turns = len(by_turn)
    if not turns:
        return []
    shown = sorted({1, *range(10, turns + 1, 10), turns})
    lines = [
        f"Long conversations: {long['conversations']} conversations of {turns} turns "
        f"(portal questions, one user), {long['errors']} errors.",
        "",
        "| turn | " + " | ".join(str(t) for t in shown) + " |",
        "|---" * (len(shown) + 1) + "|",
        "| p50 (ms) | " + " | ".join(f"{by_turn[t - 1]:.0f}" for t in shown) + " |",
        "",
        f"turn {turns} / turn 1: {_times(long['last_over_first'])}",
    ]
    return lines


def memory_table(memory: dict[str, Any]) -> list[str]:
    """One row per process, then the totals."""
    lines = ["| process | pid | RSS (MiB) | PSS (MiB) |", "|---|---|---|---|"]
    for p in memory["processes"]:
        name = p["server"] if p["role"] == "main" else f"{p['server']} (child)"
        pss = "–" if p["pss_mib"] is None else f"{p['pss_mib']:.0f}"
        lines.append(f"| {name} | {p['pid']} | {p['rss_mib']:.0f} | {pss} |")
    total = memory["total"]
    pss_total = "–" if total["pss_mib"] is None else f"{total['pss_mib']:.0f}"
    lines.append(f"| **whole stack** | | {total['rss_mib']:.0f} | {pss_total} |")
    return lines


def format_results(results: dict[str, Any]) -> str:
    """The markdown report of one run of the load test."""
    lines = levels_table(results["levels"])
    cpu = cpu_table(results["levels"])
    if cpu:
        lines += ["", *cpu]
    if results.get("long"):
        lines += ["", *long_table(results["long"])]
    if results.get("memory"):
        lines += ["", *memory_table(results["memory"])]
    return "\n".join(lines)

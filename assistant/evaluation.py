"""Evaluate the running assistant on a JSONL set, through ``POST /api/chat`` only.

Format (see ``shared/eval/README.md``): one object a line with ``id``, ``question``,
``kind``, ``must_contain_any`` and ``must_contain_all`` (regexes searched in the
lower-cased join of every reply text and button title). Each question opens a fresh
conversation. A non-200 reply fails.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


@dataclass
class ItemResult:
    id: str
    kind: str
    question: str
    passed: bool
    status: int
    reply: str
    latency_ms: float
    reason: str = ""


@dataclass
class Report:
    results: list[ItemResult] = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        return sum(r.passed for r in self.results) / len(self.results) if self.results else 0.0

    def by_kind(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in self.results:
            counts[r.kind][0] += r.passed
            counts[r.kind][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(counts.items())}

    def latency_percentiles(self) -> tuple[float, float]:
        values = sorted(r.latency_ms for r in self.results)
        if not values:
            return 0.0, 0.0
        return statistics.median(values), percentile(values, 95)

    def as_dict(self) -> dict[str, Any]:
        p50, p95 = self.latency_percentiles()
        return {
            "overall": {
                "passed": sum(r.passed for r in self.results),
                "total": len(self.results),
                "pass_rate": round(self.pass_rate, 4),
            },
            "by_kind": {
                k: {"passed": p, "total": t, "pass_rate": round(p / t, 4)}
                for k, (p, t) in self.by_kind().items()
            },
            "latency_ms": {"p50": round(p50, 1), "p95": round(p95, 1)},
            "failures": [r.__dict__ for r in self.results if not r.passed],
        }


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(pct / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def load_items(path: Path) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: JSON invalide ({exc.msg})") from exc
        for key in ("id", "question", "kind"):
            if key not in item:
                raise ValueError(f"{path}:{number}: champ « {key} » manquant")
        items.append(item)
    return items


def reply_text(payload: dict[str, Any]) -> str:
    """Join every reply text and button title, lower-cased, as the checks expect."""
    parts: list[str] = []
    for message in payload.get("messages", []):
        parts.append(message.get("text") or "")
        parts.extend(b.get("title", "") for b in message.get("buttons") or [])
    return "\n".join(parts).lower()


def check(item: dict[str, Any], text: str) -> tuple[bool, str]:
    any_of = item.get("must_contain_any") or []
    all_of = item.get("must_contain_all") or []
    if any_of and not any(re.search(p, text) for p in any_of):
        return False, f"aucun motif trouvé parmi {any_of}"
    missing = [p for p in all_of if not re.search(p, text)]
    if missing:
        return False, f"motifs absents : {missing}"
    return True, ""


def run_item(client: httpx.Client, url: str, item: dict[str, Any]) -> ItemResult:
    session_id = f"eval-{item['id']}-{uuid.uuid4().hex[:12]}"
    started = time.perf_counter()
    try:
        response = client.post(
            url.rstrip("/") + "/api/chat",
            json={"session_id": session_id, "message": item["question"]},
        )
        status = response.status_code
        payload = response.json() if status == 200 else {}
    except httpx.HTTPError as exc:
        status, payload = 0, {"messages": [{"text": f"<erreur réseau : {exc!r}>"}]}
    latency_ms = (time.perf_counter() - started) * 1000
    text = reply_text(payload) if payload else ""
    if status != 200:
        passed, reason = False, f"HTTP {status}"
    else:
        passed, reason = check(item, text)
    return ItemResult(
        item["id"], item["kind"], item["question"], passed, status, text, latency_ms, reason
    )


def evaluate(
    path: Path, url: str, kinds: set[str] | None = None, timeout_s: float = 30.0
) -> Report:
    items = [i for i in load_items(path) if not kinds or i["kind"] in kinds]
    report = Report()
    with httpx.Client(timeout=timeout_s) as client:
        for item in items:
            report.results.append(run_item(client, url, item))
    return report


def format_report(report: Report) -> str:
    lines = ["Taux de réussite par type :"]
    for kind, (passed, total) in report.by_kind().items():
        lines.append(f"  {kind:<15} {passed:>3}/{total:<3} {passed / total:6.1%}")
    total = len(report.results)
    lines.append(
        f"  {'global':<15} {sum(r.passed for r in report.results):>3}/{total:<3} "
        f"{report.pass_rate:6.1%}"
    )
    p50, p95 = report.latency_percentiles()
    lines.append(f"Latence des réponses : p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    failures = [r for r in report.results if not r.passed]
    if failures:
        lines.append(f"Échecs ({len(failures)}) :")
        for r in failures:
            reply = r.reply.replace("\n", " / ")
            lines.append(
                f"- [{r.id}] ({r.kind}) {r.question}\n    raison : {r.reason}\n"
                f"    réponse : {reply[:500]}"
            )
    return "\n".join(lines)

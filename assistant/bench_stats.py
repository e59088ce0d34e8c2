"""Statistics of the load test (``python -m assistant.bench``): one level's summary, ratios.

Percentiles are nearest-rank (:func:`assistant.evaluation.percentile`): p95 of 15 values is
the 15th, so a single slow message shows. Latencies are of successful messages only; a
failed one (status other than 200, timeout, « indisponible » reply) counts as an error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.evaluation import percentile


@dataclass
class Outcome:
    """One message of the load: its latency and what came back."""

    latency_ms: float
    ok: bool
    knowledge_answer: bool = False


@dataclass
class LevelResult:
    """One path at one number of concurrent users."""

    path: str
    users: int
    messages: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    throughput: float
    """Successful messages per second of wall time."""
    knowledge_answers: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(path: str, users: int, outcomes: list[Outcome], elapsed_s: float) -> LevelResult:
    """The summary of one level from its outcomes and wall time."""
    latencies = sorted(o.latency_ms for o in outcomes if o.ok)
    succeeded = len(latencies)
    return LevelResult(
        path=path,
        users=users,
        messages=len(outcomes),
        errors=len(outcomes) - succeeded,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        max_ms=latencies[-1] if latencies else 0.0,
        throughput=succeeded / elapsed_s if elapsed_s > 0 else 0.0,
        knowledge_answers=sum(o.knowledge_answer for o in outcomes if o.ok),
    )


def ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``; ``None`` when the denominator is not positive."""
    return numerator / denominator if denominator > 0 else None


@dataclass
class TurnLatencies:
    """Latency of each turn of long conversations: ``by_turn[i]`` holds turn ``i + 1`` of
    every conversation (successful turns only)."""

    by_turn: list[list[float]] = field(default_factory=list)
    errors: int = 0

    def add(self, turn: int, outcome: Outcome) -> None:
        """Record ``outcome`` as turn ``turn`` (1-based)."""
        while len(self.by_turn) < turn:
            self.by_turn.append([])
        if outcome.ok:
            self.by_turn[turn - 1].append(outcome.latency_ms)
        else:
            self.errors += 1

    def p50(self, turn: int) -> float:
        """Median latency of turn ``turn`` (1-based) across conversations; 0 when none."""
        if turn > len(self.by_turn):
            return 0.0
        return percentile(sorted(self.by_turn[turn - 1]), 50)

    def as_dict(self) -> dict[str, Any]:
        turns = len(self.by_turn)
        return {
            "turns": turns,
            "conversations": max((len(t) for t in self.by_turn), default=0),
            "errors": self.errors,
            "p50_ms_by_turn": [round(self.p50(t), 1) for t in range(1, turns + 1)],
            "last_over_first": ratio(self.p50(turns), self.p50(1)) if turns else None,
        }

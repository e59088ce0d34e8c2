"""Evaluate the running assistant on a JSONL set, through ``POST /api/chat`` only.

Format (see ``shared/eval/README.md`` and ``eval/README.md``): one object a line with
``id``, ``question``, ``kind``, ``must_contain_any`` and ``must_contain_all`` (regexes
searched in the lower-cased join of every reply text and button title). An item with
``turns`` (a list of messages) is a dialogue: every turn is sent in one conversation and
only the last reply is checked. Each item opens a fresh conversation; a non-200 reply
fails.

Besides pass rates, each item gets an *outcome* (:mod:`assistant.evaluation_outcomes`):
right, wrong (a confident answer without the fact), clarified with or without the right
choice, abstained or routed elsewhere; and the intent Rasa reached is set against the
intent the item's kind expects (the routing confusion matrix). Both come from the turn
log the web app keeps for every message (``chat_turns``: intent and knowledge-base
decision), read once every item has run.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from assistant.chat.api_client import ConversationKeys
from assistant.evaluation_outcomes import (
    TurnInfo,
    classify_outcome,
    expected_intent,
    is_served,
)
from knowledge_base.jsonl import read_jsonl
from knowledge_base.leakage import is_held_out_file

# Reads the turn log of a conversation: (intent, knowledge-base records) per turn, in order.
TurnLog = Callable[[str], list[TurnInfo]]
NONE_OF_THESE_PAYLOAD = "/ask_human"


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
    session_id: str = ""
    buttons: list[str] = field(default_factory=list)
    turns: list[str] = field(default_factory=list)
    intent: str | None = None
    decision: str | None = None
    outcome: str = ""
    served: bool | None = None
    clarify_right: bool = False


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

    def outcomes(self, kinds: set[str] | None = None) -> dict[str, int]:
        """How many items ended in each outcome (only ``kinds`` when given)."""
        counts: dict[str, int] = defaultdict(int)
        for r in self.results:
            if r.outcome and (kinds is None or r.kind in kinds):
                counts[r.outcome] += 1
        return dict(sorted(counts.items()))

    def routing_matrix(self) -> dict[str, dict[str, int]]:
        """Expected intent (from the kind) → intent reached → count."""
        matrix: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for r in self.results:
            matrix[expected_intent(r.kind)][r.intent or "inconnu"] += 1
        return {k: dict(sorted(v.items())) for k, v in sorted(matrix.items())}

    def served_rate(self, kinds: set[str]) -> tuple[int, int]:
        """Items of ``kinds`` that reached the retrieval or the flow that serves them."""
        mine = [r for r in self.results if r.kind in kinds and r.served is not None]
        return sum(bool(r.served) for r in mine), len(mine)

    def latency_percentiles(self) -> tuple[float, float]:
        values = sorted(r.latency_ms for r in self.results)
        if not values:
            return 0.0, 0.0
        return statistics.median(values), percentile(values, 95)

    def as_dict(self, with_failures: bool = True) -> dict[str, Any]:
        p50, p95 = self.latency_percentiles()
        served, in_scope = self.served_rate(IN_SCOPE_KINDS)
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
            "outcomes_in_scope": self.outcomes(IN_SCOPE_KINDS),
            "outcomes_out_of_scope": self.outcomes({"out_of_scope"}),
            "served_in_scope": {"served": served, "total": in_scope},
            "routing": self.routing_matrix(),
            "latency_ms": {"p50": round(p50, 1), "p95": round(p95, 1)},
            "failures": [r.__dict__ for r in self.results if not r.passed] if with_failures else [],
        }


# Portal questions: the kinds the « right / wrong / clarified / abstained » figures cover.
IN_SCOPE_KINDS = {"faq", "rollout", "followup"}


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(pct / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def load_items(path: Path) -> list[dict[str, Any]]:
    items = []
    for number, item in read_jsonl(path):
        for key in ("id", "question", "kind"):
            if key not in item:
                raise ValueError(f"{path}:{number}: champ « {key} » manquant")
        turns = item.get("turns")
        if turns is not None and (
            not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns)
        ):
            raise ValueError(f"{path}:{number}: « turns » doit être une liste de messages")
        for pattern in [
            *(item.get("must_contain_any") or []),
            *(item.get("must_contain_all") or []),
        ]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{path}:{number}: motif invalide {pattern!r} ({exc})") from exc
        items.append(item)
    return items


def reply_text(payload: dict[str, Any]) -> str:
    """Join every reply text and button title, lower-cased, as the checks expect."""
    parts: list[str] = []
    for message in payload.get("messages", []):
        parts.append(message.get("text") or "")
        parts.extend(b.get("title", "") for b in message.get("buttons") or [])
    return "\n".join(parts).lower()


def reply_buttons(payload: dict[str, Any]) -> list[str]:
    """The payloads of the reply's buttons, in order."""
    return [
        str(b.get("payload", ""))
        for message in payload.get("messages", [])
        for b in message.get("buttons") or []
    ]


def check(item: dict[str, Any], text: str) -> tuple[bool, str]:
    """Whether ``text`` (the lower-cased reply) holds the item's facts. Patterns match
    regardless of case, so that « ETI » in a pattern finds « eti » in the reply."""
    any_of = item.get("must_contain_any") or []
    all_of = item.get("must_contain_all") or []
    if any_of and not any(re.search(p, text, re.IGNORECASE) for p in any_of):
        return False, f"aucun motif trouvé parmi {any_of}"
    missing = [p for p in all_of if not re.search(p, text, re.IGNORECASE)]
    if missing:
        return False, f"motifs absents : {missing}"
    return True, ""


# The chat API limits messages per client (429 with Retry-After): a long set waits its turn
# instead of failing, at most this many times a message.
MAX_RATE_LIMIT_WAITS = 10


_KEYS = ConversationKeys()


def _post(
    client: httpx.Client, url: str, session_id: str, message: str
) -> tuple[int, dict[str, Any]]:
    try:
        for _ in range(MAX_RATE_LIMIT_WAITS + 1):
            response = client.post(
                url.rstrip("/") + "/api/chat",
                json={"session_id": session_id, "message": message},
                headers=_KEYS.headers(session_id),
            )
            _KEYS.remember(session_id, response)
            if response.status_code != 429 or "Retry-After" not in response.headers:
                break
            time.sleep(min(float(response.headers["Retry-After"]), 60.0))
        status = response.status_code
        return status, (response.json() if status == 200 else {})
    except httpx.HTTPError as exc:
        return 0, {"messages": [{"text": f"<erreur réseau : {exc!r}>"}]}


def turns_of(item: dict[str, Any]) -> list[str]:
    return list(item.get("turns") or [item["question"]])


def run_item(client: httpx.Client, url: str, item: dict[str, Any]) -> ItemResult:
    """Send the item's turns in a fresh conversation and check the last reply."""
    session_id = f"eval-{item['id']}-{uuid.uuid4().hex[:12]}"[:128]
    turns = turns_of(item)
    status, latency_ms = 0, 0.0
    payload: dict[str, Any] = {}
    for turn in turns:
        started = time.perf_counter()
        status, payload = _post(client, url, session_id, turn)
        latency_ms = (time.perf_counter() - started) * 1000
        if status != 200:
            break
    text = reply_text(payload) if payload else ""
    if status != 200:
        passed, reason = False, f"HTTP {status}"
    else:
        passed, reason = check(item, text)
    return ItemResult(
        item["id"],
        item["kind"],
        item["question"],
        passed,
        status,
        text,
        latency_ms,
        reason,
        session_id=session_id,
        buttons=reply_buttons(payload),
        turns=turns,
    )


def try_clarification(
    client: httpx.Client, url: str, item: dict[str, Any], result: ItemResult
) -> bool:
    """Whether one of the « Vouliez-vous dire… » choices leads to a right answer: each
    choice is clicked in a fresh copy of the conversation."""
    for payload in result.buttons:
        if not payload.startswith("/ask_question"):
            continue
        session_id = f"eval-{item['id']}-c-{uuid.uuid4().hex[:12]}"[:128]
        status = 200
        for turn in result.turns:
            status, _ = _post(client, url, session_id, turn)
        status, reply = _post(client, url, session_id, payload)
        if status == 200 and check(item, reply_text(reply))[0]:
            return True
    return False


def evaluate(
    path: Path,
    url: str,
    kinds: set[str] | None = None,
    timeout_s: float = 30.0,
    turn_log: TurnLog | None = None,
) -> Report:
    """Run every item, then (with ``turn_log``) classify outcomes and routing."""
    items = [i for i in load_items(path) if not kinds or i["kind"] in kinds]
    report = Report()
    with httpx.Client(timeout=timeout_s) as client:
        for item in items:
            report.results.append(run_item(client, url, item))
        if turn_log is None:
            return report
        time.sleep(0.5)  # the web app records each turn's intent just after replying
        for item, result in zip(items, report.results, strict=True):
            info = turn_log(result.session_id)
            last = info[-1] if info else TurnInfo(None, None)
            result.intent, result.decision = last.intent, last.decision
            if last.decision == "clarify" and not result.passed:
                result.clarify_right = try_clarification(client, url, item, result)
            result.outcome = classify_outcome(
                result.kind, result.passed, last, result.clarify_right
            )
            result.served = is_served(result.kind, result.passed, last)
    return report


def is_held_out(path: Path) -> bool:
    """A held-out real-question set (:data:`knowledge_base.leakage.HELD_OUT_SETS`): its
    reports give aggregates only, never an item (whoever reads a failing test question would
    tune on it)."""
    return is_held_out_file(path.resolve().as_posix())


def format_report(report: Report, show_failures: bool = True) -> str:
    """The text report; ``show_failures=False`` (the held-out set) leaves the items out."""
    lines = ["Taux de réussite par type :"]
    for kind, (passed, total) in report.by_kind().items():
        lines.append(f"  {kind:<15} {passed:>3}/{total:<3} {passed / total:6.1%}")
    total = len(report.results)
    lines.append(
        f"  {'global':<15} {sum(r.passed for r in report.results):>3}/{total:<3} "
        f"{report.pass_rate:6.1%}"
    )
    in_scope = report.outcomes(IN_SCOPE_KINDS)
    if in_scope:
        count = sum(in_scope.values())
        lines.append(f"Issues des questions du portail ({count}) :")
        for name, n in in_scope.items():
            lines.append(f"  {name:<22} {n:>4} {n / count:6.1%}")
        served, scoped = report.served_rate(IN_SCOPE_KINDS)
        if scoped:
            lines.append(f"  orientées vers la recherche ou le bon parcours : {served}/{scoped}")
        outside = report.outcomes({"out_of_scope"})
        if outside:
            lines.append(f"Hors sujet : {outside}")
        lines.append("Routage (intention attendue → intention atteinte) :")
        for expected, row in report.routing_matrix().items():
            cells = ", ".join(f"{k} {v}" for k, v in row.items())
            lines.append(f"  {expected:<18} {cells}")
    p50, p95 = report.latency_percentiles()
    lines.append(f"Latence des réponses : p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    failures = [r for r in report.results if not r.passed]
    if failures and not show_failures:
        lines.append(f"Échecs : {len(failures)} (jeu tenu à l'écart : détail non affiché)")
    elif failures:
        lines.append(f"Échecs ({len(failures)}) :")
        for r in failures:
            reply = r.reply.replace("\n", " / ")
            lines.append(
                f"- [{r.id}] ({r.kind}{', ' + r.outcome if r.outcome else ''}) {r.question}\n"
                f"    raison : {r.reason}\n    réponse : {reply[:500]}"
            )
    return "\n".join(lines)

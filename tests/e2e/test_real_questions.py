"""Quality floors on the held-out set of real users' questions, through the running
assistant (``POST /api/chat``), with outcomes and routing read from the turn log.

The set (``eval/real_questions/test.jsonl``) was collected from public sources by people
who never saw the knowledge base, and nothing is tuned on it. The floors sit just under
the figures measured in BENCHMARKS.md (« Questions réelles »), so that a regression
fails while the noise of a retrained model does not; they are not the targets of the
issue, which BENCHMARKS.md reports against.
"""

from __future__ import annotations

from assistant.evaluation import IN_SCOPE_KINDS, evaluate
from assistant.evaluation_outcomes import database_turn_log
from storage.paths import REPO_ROOT
from tests.e2e.conftest import Stack

REAL_TEST_SET = REPO_ROOT / "eval" / "real_questions" / "test.jsonl"
# Measured on 2026-12-05 (BENCHMARKS.md): 139/239 right (58.2 %), 18 wrong (7.5 %),
# 236/239 routed to the retrieval or their flow (98.7 %), 4/20 out-of-scope answered.
MIN_RIGHT = 0.53
MAX_WRONG = 0.09
MIN_SERVED = 0.96
MAX_OUT_OF_SCOPE_ANSWERED = 0.30


def test_real_questions_stay_above_their_floors(stack: Stack) -> None:
    assert REAL_TEST_SET.exists(), f"{REAL_TEST_SET} is part of the repository"
    report = evaluate(REAL_TEST_SET, stack.url, turn_log=database_turn_log)
    outcomes = report.outcomes(IN_SCOPE_KINDS)
    portal = sum(outcomes.values())
    assert portal >= 200, outcomes
    served, scoped = report.served_rate(IN_SCOPE_KINDS)
    outside = report.outcomes({"out_of_scope"})
    summary = {"outcomes": outcomes, "served": (served, scoped), "out_of_scope": outside}
    assert outcomes.get("right", 0) / portal >= MIN_RIGHT, summary
    assert outcomes.get("wrong", 0) / portal <= MAX_WRONG, summary
    assert served / scoped >= MIN_SERVED, summary
    assert outside.get("answered", 0) / sum(outside.values()) <= MAX_OUT_OF_SCOPE_ANSWERED, summary

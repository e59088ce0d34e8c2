"""The load test's statistics, judging of replies and markdown tables (no server needed)."""

from __future__ import annotations

import argparse

import httpx
import pytest

from assistant.bench import _levels, faq_questions
from assistant.bench_load import judge, rasa_path, shuffled, web_path
from assistant.bench_report import format_results, levels_table, long_table
from assistant.bench_stats import LevelResult, Outcome, TurnLatencies, ratio, summarise
from assistant.chat.messages import UNAVAILABLE_TEXT


def _ok(*latencies: float) -> list[Outcome]:
    return [Outcome(value, ok=True) for value in latencies]


def test_bench_summarise_nearest_rank_percentiles_and_errors() -> None:
    outcomes = [*_ok(*range(20, 0, -1)), Outcome(5000.0, ok=False), Outcome(1.0, ok=False)]
    outcomes[0].knowledge_answer = True
    result = summarise("web_knowledge", 10, outcomes, elapsed_s=4.0)
    assert (result.messages, result.errors) == (22, 2)
    assert (result.p50_ms, result.p95_ms, result.max_ms) == (10, 19, 20)
    assert result.throughput == 5.0  # successful messages only
    assert result.knowledge_answers == 1


def test_bench_summarise_single_slow_message_is_the_p95_of_fifteen() -> None:
    result = summarise("rasa_bonjour", 1, _ok(*([10.0] * 14), 900.0), elapsed_s=1.0)
    assert result.p50_ms == 10 and result.p95_ms == 900


def test_bench_summarise_nothing_succeeded_is_zero_not_an_error() -> None:
    result = summarise("web_bonjour", 1, [Outcome(3.0, ok=False)], elapsed_s=0.0)
    assert (result.p50_ms, result.p95_ms, result.max_ms, result.throughput) == (0, 0, 0, 0)
    assert result.errors == 1


def test_bench_ratio_of_zero_is_unknown() -> None:
    assert ratio(30.0, 20.0) == 1.5
    assert ratio(30.0, 0.0) is None


def test_bench_turn_latencies_compare_last_and_first_turn() -> None:
    turns = TurnLatencies()
    for conversation in range(3):
        for turn in range(1, 4):
            turns.add(turn, Outcome(10.0 * turn + conversation, ok=True))
    turns.add(3, Outcome(1.0, ok=False))
    summary = turns.as_dict()
    assert summary["p50_ms_by_turn"] == [11.0, 21.0, 31.0]
    assert summary["conversations"] == 3 and summary["errors"] == 1
    assert summary["last_over_first"] == pytest.approx(31 / 11)
    assert turns.p50(7) == 0.0


def _response(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("kind", "response", "expected"),
    [
        ("rasa", _response(200, [{"text": "Bonjour"}]), (True, False)),
        ("rasa", _response(200, []), (False, False)),
        ("rasa", _response(500, [{"text": "x"}]), (False, False)),
        ("web", _response(200, {"messages": [{"text": "Bonjour"}]}), (True, False)),
        (
            "web",
            _response(200, {"messages": [{"text": "R", "kind": "knowledge_answer"}]}),
            (True, True),
        ),
        ("web", _response(200, {"messages": [{"text": UNAVAILABLE_TEXT}]}), (False, False)),
        ("web", _response(200, {"messages": []}), (False, False)),
        ("web", _response(429, {"detail": "Trop"}), (False, False)),
        ("web", httpx.Response(200, text="pas du JSON"), (False, False)),
    ],
)
def test_bench_judge_reply(
    kind: str, response: httpx.Response, expected: tuple[bool, bool]
) -> None:
    assert judge(kind, response) == expected


def test_bench_routes_send_fresh_bodies() -> None:
    rasa = rasa_path("http://r:1/", "bonjour")
    assert rasa.url == "http://r:1/webhooks/rest/webhook"
    assert rasa.body("s1", 4) == {"sender": "s1", "message": "bonjour"}
    web = web_path("web_knowledge", "http://w:2", ["q1", "q2"])
    assert web.url == "http://w:2/api/chat"
    assert [web.body("s", n)["message"] for n in range(3)] == ["q1", "q2", "q1"]


def test_bench_questions_are_the_faq_questions_in_a_fixed_order() -> None:
    questions = faq_questions()
    assert len(questions) > 100 and len(set(questions)) == len(questions)
    assert all(q.strip() for q in questions)
    assert shuffled(questions) == shuffled(questions) and shuffled(questions) != questions


def _level(path: str, users: int, p95: float) -> dict[str, object]:
    return LevelResult(path, users, 15 * users, 0, p95 / 2, p95, p95, 10.0, 3).as_dict()


def test_bench_levels_table_rows_and_p95_ratio() -> None:
    lines = levels_table([_level("rasa_bonjour", 20, 200.0), _level("web_knowledge", 20, 300.0)])
    assert lines[2] == "| Rasa REST directly, « bonjour » | 20 | 300 | 0 | 100 | 200 | 10.0 | – |"
    assert lines[3].endswith("| 20 | 300 | 0 | 150 | 300 | 10.0 | 3 |")
    assert lines[-1] == "p95 of knowledge answers / p95 of bare Rasa: 20 users 1.50×"


def test_bench_long_table_shows_first_tens_and_last_turn() -> None:
    by_turn = [float(t) for t in range(1, 31)]
    lines = long_table(
        {"p50_ms_by_turn": by_turn, "conversations": 4, "errors": 0, "last_over_first": 30.0}
    )
    assert lines[2] == "| turn | 1 | 10 | 20 | 30 |"
    assert lines[4] == "| p50 (ms) | 1 | 10 | 20 | 30 |"
    assert lines[-1] == "turn 30 / turn 1: 30.00×"


def test_bench_report_with_memory_totals() -> None:
    process = {"server": "actions", "role": "child", "pid": 7, "rss_mib": 900.4, "pss_mib": None}
    report = format_results(
        {
            "levels": [_level("web_bonjour", 1, 20.0)],
            "memory": {"processes": [process], "total": {"rss_mib": 900.4, "pss_mib": None}},
        }
    )
    assert "| actions (child) | 7 | 900 | – |" in report
    assert report.endswith("| **whole stack** | | 900 | – |")


def test_bench_levels_argument() -> None:
    assert _levels("1,10, 20,50") == [1, 10, 20, 50]
    for bad in ("", "1,x", "0,10"):
        with pytest.raises(argparse.ArgumentTypeError):
            _levels(bad)

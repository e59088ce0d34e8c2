"""The evaluation command's checks, report and HTTP loop."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from assistant.evaluation import (
    Report,
    check,
    format_report,
    load_items,
    percentile,
    reply_text,
    run_item,
)


def test_reply_text_joins_texts_and_button_titles_lowercased() -> None:
    payload = {
        "messages": [
            {"text": "Vouliez-vous dire…", "buttons": [{"title": "Mot De Passe"}]},
            {"text": "Source : Guide"},
        ]
    }
    assert reply_text(payload) == "vouliez-vous dire…\nmot de passe\nsource : guide"


def test_check_any_and_all_patterns() -> None:
    item = {"must_contain_any": ["gratuit", "payant"], "must_contain_all": ["portail"]}
    assert check(item, "le portail est gratuit") == (True, "")
    assert check(item, "le site est gratuit")[0] is False
    assert check(item, "le portail coûte cher")[0] is False


def test_check_patterns_ignore_case() -> None:
    # The reply is lower-cased (reply_text): a pattern written with capitals must still match.
    item = {"must_contain_any": ["ETI[^.]*2026"], "must_contain_all": ["Septembre"]}
    assert check(item, "une eti émet depuis le 1er septembre 2026")[0] is True


def test_percentile_nearest_rank() -> None:
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile([], 95) == 0.0


def test_load_items_reports_line_of_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "a", "question": "q", "kind": "faq"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"set.jsonl:2: JSON invalide"):
        load_items(path)


def test_run_item_fails_on_non_200_and_passes_on_match() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        message = json.loads(request.content)["message"]
        if message == "boom":
            return httpx.Response(503)
        return httpx.Response(
            200, json={"session_id": "s", "messages": [{"text": "C'est GRATUIT"}]}
        )

    client = httpx.Client(transport=httpx.MockTransport(handler))
    ok = run_item(
        client,
        "http://x",
        {"id": "1", "question": "prix ?", "kind": "faq", "must_contain_any": ["gratuit"]},
    )
    ko = run_item(
        client,
        "http://x",
        {"id": "2", "question": "boom", "kind": "faq", "must_contain_any": ["gratuit"]},
    )
    assert ok.passed and ok.status == 200
    assert not ko.passed and ko.reason == "HTTP 503"
    report = Report([ok, ko])
    assert report.by_kind() == {"faq": (1, 2)}
    text = format_report(report)
    assert "global" in text and "50.0%" in text and "[2]" in text


def test_eval_command_bad_set_gives_french_message_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.__main__ import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "x", "question": "q", "kind": "faq", "must_contain_any": ["(oops"]}\n',
        encoding="utf-8",
    )
    assert main(["eval", str(bad), "--no-turn-log"]) == 2
    assert "Jeu d'évaluation invalide" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "absent.jsonl"), "--no-turn-log"]) == 2
    assert "Jeu d'évaluation illisible" in capsys.readouterr().err


def test_eval_command_held_out_set_prints_aggregates_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.__main__ import main

    held_out = tmp_path / "real_questions" / "test.jsonl"
    held_out.parent.mkdir()
    held_out.write_text(
        '{"id": "t1", "question": "question secrète ?", "kind": "faq", '
        '"must_contain_any": ["gratuit"]}\n',
        encoding="utf-8",
    )
    out = tmp_path / "report.json"
    args = ["eval", str(held_out), "--no-turn-log", "--url", "http://127.0.0.1:9", "--json"]
    main([*args, str(out)])
    printed = capsys.readouterr().out
    assert "0/1" in printed and "détail non affiché" in printed
    assert "secrète" not in printed and "secrète" not in out.read_text(encoding="utf-8")
    dev = held_out.with_name("dev.jsonl")
    dev.write_text(held_out.read_text(encoding="utf-8"), encoding="utf-8")
    main(["eval", str(dev), "--no-turn-log", "--url", "http://127.0.0.1:9"])
    assert "secrète" in capsys.readouterr().out


def test_evaluation_held_out_sets_give_aggregates_only() -> None:
    from assistant.evaluation import is_held_out
    from storage.paths import REPO_ROOT

    folder = REPO_ROOT / "eval" / "real_questions"
    assert is_held_out(folder / "test.jsonl") and is_held_out(folder / "test2.jsonl")
    assert is_held_out(folder / "test3.jsonl") and is_held_out(folder / "test_dialogues.jsonl")
    assert is_held_out(folder / "test_dialogues2.jsonl")
    assert not is_held_out(folder / "dev.jsonl")
    assert not is_held_out(folder / "dev_dialogues.jsonl")

"""Outcomes, routing and dialogues of the evaluation command (``assistant.evaluation``)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant import evaluation
from assistant.evaluation import (
    ItemResult,
    Report,
    evaluate,
    format_report,
    load_items,
    run_item,
    try_clarification,
)
from assistant.evaluation_outcomes import (
    TurnInfo,
    classify_outcome,
    expected_intent,
    is_served,
)

URL = "http://assistant.test"
PME_QUESTION = "Quand la facturation électronique s'applique-t-elle à une PME ?"
ETI_FOLLOW_UP = "et pour une ETI ?"
CLARIFY_A = '/ask_question{"kb_entry_id":"comptes-creation"}'
CLARIFY_B = '/ask_question{"kb_entry_id":"comptes-mot-de-passe-oublie"}'


# --- expected_intent / classify_outcome / is_served ----------------------------------


@pytest.mark.parametrize(
    ("kind", "intent"),
    [
        ("faq", "ask_question"),
        ("followup", "ask_question"),
        ("rollout", "ask_rollout_date"),
        ("status_lookup", "check_status"),
        ("escalate", "ask_human"),
        ("out_of_scope", "out_of_scope"),
        ("greet", "greet"),
    ],
)
def test_expected_intent_per_kind(kind: str, intent: str) -> None:
    assert expected_intent(kind) == intent


@pytest.mark.parametrize(
    ("kind", "passed", "turn", "clarify_right", "outcome"),
    [
        ("faq", True, TurnInfo("ask_question", "answer"), False, "right"),
        ("faq", False, TurnInfo("ask_question", "answer"), False, "wrong"),
        ("rollout", False, TurnInfo("ask_rollout_date", "answer"), False, "wrong"),
        ("followup", False, TurnInfo("ask_question", "answer"), False, "wrong"),
        ("faq", False, TurnInfo("ask_question", "clarify"), True, "clarified_right"),
        ("faq", True, TurnInfo("ask_question", "clarify"), False, "clarified_right"),
        ("faq", False, TurnInfo("ask_question", "clarify"), False, "clarified_other"),
        ("faq", False, TurnInfo("nlu_fallback", "abstain"), False, "abstained"),
        ("faq", True, TurnInfo("ask_question", "abstain"), False, "abstained"),
        ("faq", False, TurnInfo("check_status", None), False, "elsewhere"),
        ("rollout", True, TurnInfo("ask_rollout_date", None), False, "right"),
        ("rollout", False, TurnInfo(None, None), False, "elsewhere"),
        ("status_lookup", True, TurnInfo("check_status", None), False, "right"),
        ("escalate", False, TurnInfo("ask_question", "answer"), False, "elsewhere"),
        ("out_of_scope", False, TurnInfo("ask_question", "answer"), False, "answered"),
        ("out_of_scope", True, TurnInfo("ask_question", "answer"), False, "answered"),
        ("out_of_scope", False, TurnInfo("ask_question", "abstain"), False, "declined"),
        ("out_of_scope", True, TurnInfo("out_of_scope", None), False, "declined"),
    ],
)
def test_classify_outcome_table(
    kind: str, passed: bool, turn: TurnInfo, clarify_right: bool, outcome: str
) -> None:
    assert classify_outcome(kind, passed, turn, clarify_right) == outcome


@pytest.mark.parametrize(
    ("kind", "passed", "turn", "served"),
    [
        ("faq", False, TurnInfo("ask_question", None), True),
        ("faq", False, TurnInfo("nlu_fallback", None), True),
        ("faq", False, TurnInfo("check_status", "abstain"), True),
        ("faq", True, TurnInfo("greet", None), True),
        ("faq", False, TurnInfo("check_status", None), False),
        ("followup", False, TurnInfo(None, None), False),
        ("rollout", False, TurnInfo("ask_rollout_date", None), True),
        ("rollout", False, TurnInfo("check_status", "answer"), True),
        ("rollout", False, TurnInfo("ask_question", None), False),
        ("status_lookup", False, TurnInfo("check_status", None), True),
        ("status_lookup", False, TurnInfo("ask_question", "answer"), False),
        ("escalate", False, TurnInfo("ask_human", None), True),
        ("escalate", True, TurnInfo("ask_question", None), True),
        ("out_of_scope", False, TurnInfo("out_of_scope", None), True),
        ("out_of_scope", False, TurnInfo("ask_question", None), False),
        ("greet", True, TurnInfo("greet", None), None),
    ],
)
def test_is_served_per_kind(kind: str, passed: bool, turn: TurnInfo, served: bool | None) -> None:
    assert is_served(kind, passed, turn) is served


# --- load_items ----------------------------------------------------------------------


def _write(tmp_path: Path, items: list[dict[str, Any] | str]) -> Path:
    path = tmp_path / "set.jsonl"
    lines = [i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_items_reads_dialogues_and_skips_blank_lines(tmp_path: Path) -> None:
    dialogue = {
        "id": "f1",
        "question": ETI_FOLLOW_UP,
        "kind": "followup",
        "turns": [PME_QUESTION, ETI_FOLLOW_UP],
        "must_contain_any": [r"2027"],
    }
    path = _write(tmp_path, [{"id": "a", "question": "q", "kind": "faq"}, "", dialogue])
    items = load_items(path)
    assert [i["id"] for i in items] == ["a", "f1"]
    assert items[1]["turns"] == [PME_QUESTION, ETI_FOLLOW_UP]


@pytest.mark.parametrize(
    "turns", ["et pour une ETI ?", [], [PME_QUESTION, 3], {"0": "et pour une ETI ?"}]
)
def test_load_items_rejects_bad_turns(tmp_path: Path, turns: object) -> None:
    good = {"id": "a", "question": "q", "kind": "faq"}
    bad = {"id": "b", "question": "q", "kind": "followup", "turns": turns}
    path = _write(tmp_path, [good, bad])
    with pytest.raises(ValueError, match=r"set\.jsonl:2: « turns » doit être une liste"):
        load_items(path)


@pytest.mark.parametrize("field", ["must_contain_any", "must_contain_all"])
def test_load_items_rejects_invalid_regex(tmp_path: Path, field: str) -> None:
    path = _write(tmp_path, [{"id": "a", "question": "q", "kind": "faq", field: ["ok", "(30"]}])
    with pytest.raises(ValueError, match=r"set\.jsonl:1: motif invalide '\(30'"):
        load_items(path)


def test_load_items_reports_missing_field(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"id": "a", "question": "q"}])
    with pytest.raises(ValueError, match=r"set\.jsonl:1: champ « kind » manquant"):
        load_items(path)


# --- a scripted chat server ----------------------------------------------------------


class ChatServer:
    """``POST /api/chat`` with a per-session history and a turn log, like the web app."""

    def __init__(self) -> None:
        self.history: dict[str, list[str]] = defaultdict(list)
        self.log: dict[str, list[TurnInfo]] = defaultdict(list)
        self.turn_log_calls: list[str] = []

    def reply(self, session: list[str], message: str) -> tuple[int, dict[str, Any], TurnInfo]:
        def text(reply: str, intent: str | None, decision: str | None = None) -> Any:
            return 200, {"messages": [{"text": reply}]}, TurnInfo(intent, decision)

        if message == "boom":
            return 503, {}, TurnInfo(None, None)
        if message == ETI_FOLLOW_UP:
            if PME_QUESTION in session[:-1]:
                return text("Les ETI : à partir du 1er septembre 2026.", "ask_question", "answer")
            return text("Pouvez-vous préciser votre question ?", "ask_question", "abstain")
        if message == PME_QUESTION:
            return text("Les PME : à partir du 1er septembre 2027.", "ask_question", "answer")
        if message == "Chorus Pro est-il payant ?":
            return text("L'utilisation de Chorus Pro est gratuite.", "ask_question", "answer")
        if message == "Combien de temps pour être payé ?":
            return text("Le comptable public paie la facture.", "ask_question", "answer")
        if message == "compte":
            payload = {
                "messages": [
                    {
                        "text": "Vouliez-vous dire…",
                        "buttons": [
                            {"title": "Créer un compte", "payload": CLARIFY_A},
                            {"title": "Mot de passe oublié", "payload": CLARIFY_B},
                            {"title": "Aucune de ces questions", "payload": "/ask_human"},
                        ],
                    }
                ]
            }
            return 200, payload, TurnInfo("ask_question", "clarify")
        if message == CLARIFY_A:
            return text("Inscrivez-vous depuis la page d'accueil.", "ask_question", "answer")
        if message == CLARIFY_B:
            return text(
                "Cliquez sur « Mot de passe oublié » sur la page de connexion.",
                "ask_question",
                "answer",
            )
        if message == "/ask_human":
            return text("Un conseiller va vous répondre : page de connexion.", "ask_human")
        if message == "recette des crêpes":
            return text("Je ne peux répondre qu'aux questions du portail.", "out_of_scope")
        if message == "Pour une PME, c'est quand ?":
            return text("Indiquez votre référence de dépôt.", "check_status")
        return text("Je n'ai pas trouvé de réponse.", "ask_question", "abstain")

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/chat"
        body = json.loads(request.content)
        session = self.history[body["session_id"]]
        session.append(body["message"])
        status, payload, info = self.reply(session, body["message"])
        if status == 200:
            self.log[body["session_id"]].append(info)
        return httpx.Response(status, json=payload)

    def turn_log(self, session_id: str) -> list[TurnInfo]:
        self.turn_log_calls.append(session_id)
        return list(self.log.get(session_id, []))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))


@pytest.fixture
def server() -> Iterator[ChatServer]:
    yield ChatServer()


# --- run_item ------------------------------------------------------------------------


def test_run_item_sends_every_turn_in_one_session(server: ChatServer) -> None:
    item = {
        "id": "suivi-eti",
        "question": ETI_FOLLOW_UP,
        "kind": "followup",
        "turns": [PME_QUESTION, ETI_FOLLOW_UP],
        "must_contain_any": [r"eti.*2026"],
    }
    result = run_item(server.client(), URL, item)
    assert list(server.history) == [result.session_id]
    assert server.history[result.session_id] == [PME_QUESTION, ETI_FOLLOW_UP]
    assert result.session_id.startswith("eval-suivi-eti-")
    assert result.passed and result.status == 200 and result.reason == ""
    assert result.turns == [PME_QUESTION, ETI_FOLLOW_UP]
    # Only the last reply is checked and kept.
    assert result.reply == "les eti : à partir du 1er septembre 2026."


def test_run_item_follow_up_alone_fails(server: ChatServer) -> None:
    item = {
        "id": "eti-seul",
        "question": ETI_FOLLOW_UP,
        "kind": "followup",
        "must_contain_any": [r"eti.*2026"],
    }
    result = run_item(server.client(), URL, item)
    assert not result.passed
    assert result.turns == [ETI_FOLLOW_UP]
    assert result.reason.startswith("aucun motif trouvé")


def test_run_item_stops_at_the_first_failing_turn(server: ChatServer) -> None:
    item = {
        "id": "panne",
        "question": ETI_FOLLOW_UP,
        "kind": "followup",
        "turns": ["boom", ETI_FOLLOW_UP],
        "must_contain_any": ["2026"],
    }
    result = run_item(server.client(), URL, item)
    assert not result.passed and result.status == 503 and result.reason == "HTTP 503"
    assert server.history[result.session_id] == ["boom"]
    assert result.reply == "" and result.buttons == []


def test_run_item_network_error_fails() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connexion refusée")

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    result = run_item(client, URL, {"id": "x", "question": "q", "kind": "faq"})
    assert not result.passed and result.status == 0 and result.reason == "HTTP 0"


def test_run_item_fresh_session_per_item_and_buttons_kept(server: ChatServer) -> None:
    item = {"id": "compte", "question": "compte", "kind": "faq", "must_contain_any": ["inscri"]}
    first = run_item(server.client(), URL, item)
    second = run_item(server.client(), URL, item)
    assert first.session_id != second.session_id
    assert first.buttons == [CLARIFY_A, CLARIFY_B, "/ask_human"]
    assert not first.passed


# --- try_clarification ---------------------------------------------------------------


def test_try_clarification_finds_a_right_choice_in_fresh_sessions(server: ChatServer) -> None:
    client = server.client()
    item = {
        "id": "mdp",
        "question": "compte",
        "kind": "faq",
        "must_contain_any": ["page de connexion"],
    }
    result = run_item(client, URL, item)
    assert not result.passed
    assert try_clarification(client, URL, item, result)
    clicks = [s for s in server.history if s != result.session_id]
    assert [server.history[s] for s in clicks] == [["compte", CLARIFY_A], ["compte", CLARIFY_B]]
    assert all(s.startswith("eval-mdp-c-") for s in clicks)


def test_try_clarification_false_when_no_choice_is_right(server: ChatServer) -> None:
    client = server.client()
    # « /ask_human » would match, but it is not a « Vouliez-vous dire… » choice.
    item = {"id": "x", "question": "compte", "kind": "faq", "must_contain_any": ["va vous"]}
    result = run_item(client, URL, item)
    assert not try_clarification(client, URL, item, result)
    sent = [m for s in server.history.values() for m in s]
    assert "/ask_human" not in sent


def test_try_clarification_replays_every_turn_of_a_dialogue(server: ChatServer) -> None:
    client = server.client()
    result = ItemResult("d", "followup", ETI_FOLLOW_UP, False, 200, "", 1.0)
    result.turns = [PME_QUESTION, ETI_FOLLOW_UP]
    result.buttons = [CLARIFY_A]
    item = {
        "id": "d",
        "question": ETI_FOLLOW_UP,
        "kind": "followup",
        "must_contain_any": ["introuvable"],
    }
    assert not try_clarification(client, URL, item, result)
    assert list(server.history.values()) == [[PME_QUESTION, ETI_FOLLOW_UP, CLARIFY_A]]


# --- evaluate ------------------------------------------------------------------------


EVAL_ITEMS: list[dict[str, Any]] = [
    {
        "id": "gratuit",
        "question": "Chorus Pro est-il payant ?",
        "kind": "faq",
        "must_contain_any": ["gratuit"],
    },
    {
        "id": "delai",
        "question": "Combien de temps pour être payé ?",
        "kind": "faq",
        "must_contain_any": [r"\d+ jours"],
    },
    {"id": "mdp", "question": "compte", "kind": "faq", "must_contain_any": ["page de connexion"]},
    {"id": "inconnu", "question": "Qu'est-ce que le PPF ?", "kind": "faq"},
    {
        "id": "pme",
        "question": "Pour une PME, c'est quand ?",
        "kind": "rollout",
        "must_contain_any": ["2027"],
    },
    {
        "id": "suivi-eti",
        "question": ETI_FOLLOW_UP,
        "kind": "followup",
        "turns": [PME_QUESTION, ETI_FOLLOW_UP],
        "must_contain_any": ["2026"],
    },
    {"id": "crepes", "question": "recette des crêpes", "kind": "out_of_scope"},
]


@pytest.fixture
def patched_client(server: ChatServer, monkeypatch: pytest.MonkeyPatch) -> ChatServer:
    """``evaluate`` opens its own ``httpx.Client``: give it the scripted server's transport."""
    real_client = httpx.Client

    def client(**kwargs: Any) -> httpx.Client:
        return real_client(transport=httpx.MockTransport(server.handle), **kwargs)

    monkeypatch.setattr(evaluation.httpx, "Client", client)
    return server


def test_evaluate_classifies_outcomes_from_the_turn_log(
    tmp_path: Path, patched_client: ChatServer
) -> None:
    server = patched_client
    path = _write(tmp_path, EVAL_ITEMS)
    report = evaluate(path, URL, turn_log=server.turn_log)
    by_id = {r.id: r for r in report.results}
    assert {i: r.outcome for i, r in by_id.items()} == {
        "gratuit": "right",
        "delai": "wrong",
        "mdp": "clarified_right",
        "inconnu": "abstained",
        "pme": "elsewhere",
        "suivi-eti": "right",
        "crepes": "declined",
    }
    assert by_id["mdp"].clarify_right and not by_id["mdp"].passed
    assert not by_id["delai"].clarify_right
    assert {i: r.served for i, r in by_id.items()} == {
        "gratuit": True,
        "delai": True,
        "mdp": True,
        "inconnu": True,
        "pme": False,
        "suivi-eti": True,
        "crepes": True,
    }
    assert (by_id["pme"].intent, by_id["pme"].decision) == ("check_status", None)
    # The dialogue's last turn counts.
    assert (by_id["suivi-eti"].intent, by_id["suivi-eti"].decision) == ("ask_question", "answer")
    assert len(server.log[by_id["suivi-eti"].session_id]) == 2
    assert server.turn_log_calls == [r.session_id for r in report.results]
    assert report.outcomes({"faq", "rollout", "followup"}) == {
        "abstained": 1,
        "clarified_right": 1,
        "elsewhere": 1,
        "right": 2,
        "wrong": 1,
    }
    assert report.outcomes({"out_of_scope"}) == {"declined": 1}
    assert report.served_rate({"faq", "rollout", "followup"}) == (5, 6)
    assert report.routing_matrix() == {
        "ask_question": {"ask_question": 5},
        "ask_rollout_date": {"check_status": 1},
        "out_of_scope": {"out_of_scope": 1},
    }


def test_evaluate_without_turn_log_leaves_outcomes_empty(
    tmp_path: Path, patched_client: ChatServer
) -> None:
    report = evaluate(_write(tmp_path, EVAL_ITEMS), URL, kinds={"faq", "followup"})
    assert [r.id for r in report.results] == ["gratuit", "delai", "mdp", "inconnu", "suivi-eti"]
    assert all(r.outcome == "" and r.intent is None and r.served is None for r in report.results)
    assert report.outcomes() == {}
    assert report.served_rate({"faq", "followup"}) == (0, 0)
    assert report.routing_matrix() == {"ask_question": {"inconnu": 5}}
    # No clarification was tried.
    assert len(patched_client.history) == 5


def test_evaluate_turn_log_without_turns_counts_as_unknown_intent(
    tmp_path: Path, patched_client: ChatServer
) -> None:
    path = _write(tmp_path, [EVAL_ITEMS[0], EVAL_ITEMS[4]])
    report = evaluate(path, URL, turn_log=lambda session_id: [])
    assert [r.outcome for r in report.results] == ["right", "elsewhere"]
    # Passed items are served whatever the log says; the failed rollout item is not.
    assert [r.served for r in report.results] == [True, False]
    assert report.routing_matrix() == {
        "ask_question": {"inconnu": 1},
        "ask_rollout_date": {"inconnu": 1},
    }


# --- Report and format_report --------------------------------------------------------


def _result(
    item_id: str,
    kind: str,
    passed: bool,
    outcome: str = "",
    intent: str | None = None,
    served: bool | None = None,
) -> ItemResult:
    return ItemResult(
        item_id,
        kind,
        f"question {item_id}",
        passed,
        200,
        "réponse\nsur deux lignes",
        100.0,
        "" if passed else "aucun motif trouvé parmi ['gratuit']",
        intent=intent,
        outcome=outcome,
        served=served,
    )


def _report() -> Report:
    return Report(
        [
            _result("1", "faq", True, "right", "ask_question", True),
            _result("2", "faq", False, "wrong", "ask_question", True),
            _result("3", "faq", False, "elsewhere", "check_status", False),
            _result("4", "rollout", True, "right", "ask_rollout_date", True),
            _result("5", "out_of_scope", True, "declined", "out_of_scope", True),
            _result("6", "out_of_scope", False, "answered", "ask_question", False),
            _result("7", "greet", True, "right", "greet", None),
            _result("8", "followup", True, "right", None, True),
        ]
    )


def test_report_outcomes_all_and_by_kind() -> None:
    report = _report()
    assert report.outcomes() == {
        "answered": 1,
        "declined": 1,
        "elsewhere": 1,
        "right": 4,
        "wrong": 1,
    }
    assert report.outcomes({"faq", "rollout", "followup"}) == {
        "elsewhere": 1,
        "right": 3,
        "wrong": 1,
    }
    assert report.outcomes({"escalate"}) == {}


def test_report_routing_matrix() -> None:
    assert _report().routing_matrix() == {
        "ask_question": {"ask_question": 2, "check_status": 1, "inconnu": 1},
        "ask_rollout_date": {"ask_rollout_date": 1},
        "greet": {"greet": 1},
        "out_of_scope": {"ask_question": 1, "out_of_scope": 1},
    }


def test_report_served_rate_skips_unknown() -> None:
    report = _report()
    assert report.served_rate({"faq", "rollout", "followup"}) == (4, 5)
    assert report.served_rate({"out_of_scope"}) == (1, 2)
    assert report.served_rate({"greet"}) == (0, 0)


def test_report_as_dict_holds_outcomes_and_routing() -> None:
    data = _report().as_dict()
    assert data["outcomes_in_scope"] == {"elsewhere": 1, "right": 3, "wrong": 1}
    assert data["outcomes_out_of_scope"] == {"answered": 1, "declined": 1}
    assert data["served_in_scope"] == {"served": 4, "total": 5}
    assert data["routing"]["ask_rollout_date"] == {"ask_rollout_date": 1}


def test_format_report_shows_outcomes_served_and_routing() -> None:
    lines = format_report(_report()).splitlines()
    assert "Issues des questions du portail (5) :" in lines
    assert "  right                     3  60.0%" in lines
    assert "  wrong                     1  20.0%" in lines
    assert "  orientées vers la recherche ou le bon parcours : 4/5" in lines
    assert "Hors sujet : {'answered': 1, 'declined': 1}" in lines
    assert "Routage (intention attendue → intention atteinte) :" in lines
    assert "  ask_question       ask_question 2, check_status 1, inconnu 1" in lines
    assert "  out_of_scope       ask_question 1, out_of_scope 1" in lines
    assert "- [2] (faq, wrong) question 2" in lines
    assert "    réponse : réponse / sur deux lignes" in lines


def test_format_report_without_outcomes_has_no_outcome_section() -> None:
    report = Report([_result("1", "faq", False), _result("2", "faq", True)])
    text = format_report(report)
    assert "Issues des questions du portail" not in text
    assert "Routage" not in text
    assert "- [1] (faq) question 1" in text.splitlines()

"""Which bot messages are knowledge-base answers (the widget asks for feedback there only)."""

from __future__ import annotations

from assistant.chat.gateway import parse_rasa_output
from assistant.chat.schemas import BotMessage, Button, ChatResponse, Link

ANSWER_RECORD = {"decision": "answer", "selected": "portail-gratuit"}


def test_gateway_knowledge_answer_marks_the_answered_text() -> None:
    messages, _ = parse_rasa_output(
        [
            {"text": "Le portail est gratuit.\nSource : Présentation — Tarif"},
            {"custom": {"links": [{"title": "Présentation — Tarif", "url": "/docs/p#t"}]}},
        ]
        + [{"custom": {"kb": ANSWER_RECORD}}]
    )
    assert [m.kind for m in messages] == ["knowledge_answer"]


def test_gateway_kb_clarify_and_abstain_are_not_answers() -> None:
    for decision in ("clarify", "abstain"):
        messages, kb = parse_rasa_output(
            [
                {"text": "Vouliez-vous dire…", "buttons": [{"title": "A", "payload": "/a"}]},
                {"custom": {"kb": {"decision": decision}}},
            ]
        )
        assert kb == [{"decision": decision}]
        assert [m.kind for m in messages] == [None], decision


def test_gateway_kb_plain_replies_are_not_answers() -> None:
    messages, _ = parse_rasa_output(
        [{"text": "Avec plaisir !"}, {"custom": {"links": [{"title": "L", "url": "/l"}]}}]
    )
    assert messages == [BotMessage(text="Avec plaisir !", links=[Link(title="L", url="/l")])]
    assert messages[0].kind is None


def test_gateway_knowledge_answer_reaches_the_widget_and_others_keep_their_shape() -> None:
    answer = BotMessage(text="Gratuit.", kind="knowledge_answer")
    other = BotMessage(text="Choisissez :", buttons=[Button(title="Oui", payload="/affirm")])
    body = ChatResponse(session_id="s-00000001", messages=[answer, other]).model_dump(mode="json")
    assert body["messages"][0]["kind"] == "knowledge_answer"
    assert "kind" not in body["messages"][1]
    assert "kind" not in other.model_dump()  # stored turns keep their shape


def test_gateway_knowledge_answer_carries_the_entry_question() -> None:
    messages, _ = parse_rasa_output(
        [
            {"text": "Oui : le portail est gratuit."},
            {"custom": {"kb": ANSWER_RECORD, "question": "  Le portail est-il payant ?  "}},
        ]
    )
    assert [(m.kind, m.question) for m in messages] == [
        ("knowledge_answer", "Le portail est-il payant ?")
    ]
    body = ChatResponse(session_id="s-00000001", messages=messages).model_dump(mode="json")
    assert body["messages"][0]["question"] == "Le portail est-il payant ?"


def test_gateway_question_only_on_answers_and_never_blank() -> None:
    clarify, _ = parse_rasa_output(
        [
            {"text": "Vouliez-vous dire…"},
            {"custom": {"kb": {"decision": "clarify"}, "question": "Q ?"}},
        ]
    )
    blank, _ = parse_rasa_output(
        [{"text": "Oui."}, {"custom": {"kb": ANSWER_RECORD, "question": "   "}}]
    )
    not_text, _ = parse_rasa_output(
        [{"text": "Oui."}, {"custom": {"kb": ANSWER_RECORD, "question": ["Q ?"]}}]
    )
    assert [m.question for m in (*clarify, *blank, *not_text)] == [None, None, None]
    assert "question" not in blank[0].model_dump()  # stored turns keep their shape

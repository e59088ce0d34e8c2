"""action_answer_question: the three outputs, the clarification payload, and failures."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SUPPORT_LINK
from actions.follow_up import decide_question
from actions.knowledge import (
    ABSTAIN_TEXT,
    CLARIFY_TEXT,
    GONE_TEXT,
    ActionAnswerQuestion,
    answer_payload,
)
from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.index import KnowledgeIndexError, build_index
from knowledge_base.search import KnowledgeBase
from knowledge_base.text import simple_tokens

CONTENT = Path(__file__).resolve().parents[1] / "knowledge_base" / "fixtures" / "content"
# A wording that is no text of the fixture content (not the variant « mdp perdu »).
FORGOTTEN_PASSWORD = "j'ai oublié mon mdp, comment faire ?"
# Every run forgets the clicked entry and ends the turn (no policy run for action_listen).
TURN_ENDS = [
    {"event": "slot", "timestamp": None, "name": "kb_entry_id", "value": None},
    {"event": "followup", "timestamp": None, "name": "action_listen"},
]


class _Embedder:
    name = "test-hashing-embedder"
    dimension = 128

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in simple_tokens(text):
                out[i, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    settings = KnowledgeBaseSettings(
        content_dir=CONTENT,
        index_dir=tmp_path_factory.mktemp("action-kb") / "index",
        embedder=_Embedder.name,
        dense_weight=0.3,
        classifier_weight=0.0,
        answer_min_score=0.45,
        answer_min_margin=0.2,  # a quarter of it when both sides agree (decision.py)
        clarify_min_score=0.2,
    )
    build_index(settings, _Embedder())
    return KnowledgeBase.load(settings, embedder=_Embedder())


def _tracker(
    text: str,
    entities: list[dict[str, Any]] | None = None,
    ranking: list[tuple[str, float]] | None = None,
    earlier: list[str] | None = None,
    form: str | None = None,
) -> Tracker:
    """A tracker whose latest message is ``text``; ``ranking``: Rasa's intent ranking, best
    first (the intent is its first name), else ``ask_question`` with confidence 1;
    ``earlier``: the user's messages before it; ``form``: the form open, if any."""
    ranking = ranking or [("ask_question", 1.0)]
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": {},
            "latest_message": {
                "text": text,
                "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
                "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
                "entities": entities or [],
            },
            "events": [{"event": "user", "text": t} for t in [*(earlier or []), text]],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": form} if form else {},
            "latest_action_name": "action_listen",
        }
    )


async def _run(
    kb: KnowledgeBase, tracker: Tracker
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerQuestion(kb_provider=lambda: kb).run(dispatcher, tracker, {})
    return dispatcher.messages, events


async def test_action_answer_question_answers_with_source(kb: KnowledgeBase) -> None:
    messages, events = await _run(kb, _tracker(FORGOTTEN_PASSWORD))
    assert len(messages) == 1
    message = messages[0]
    assert message["text"].endswith("Source\u00a0: Compte utilisateur — Mot de passe oublié")
    assert "Mot de passe oublié ?" in message["text"]
    custom = message["custom"]
    assert custom["links"] == [
        {
            "title": "Compte utilisateur — Mot de passe oublié",
            "url": "/docs/comptes#mot-de-passe-oublie",
        }
    ]
    assert custom["kb"]["decision"] == "answer" and len(custom["kb"]["hits"]) <= 3
    assert events == TURN_ENDS


async def test_action_answer_question_clarifies_with_buttons(kb: KnowledgeBase) -> None:
    messages, _ = await _run(kb, _tracker("mot de passe"))
    message = messages[0]
    assert message["text"] == CLARIFY_TEXT
    payloads = [b["payload"] for b in message["buttons"]]
    assert 3 <= len(payloads) <= 4 and payloads[-1] == "/ask_human"
    assert message["buttons"][-1]["title"] == "Aucune de ces propositions"
    assert '/ask_question{"kb_entry_id":"comptes-mot-de-passe-oublie"}' in payloads
    assert message["custom"]["kb"]["decision"] == "clarify"


async def test_action_answer_question_off_topic_guess_withholds_the_clarification(
    kb: KnowledgeBase,
) -> None:
    """Rasa unsure (``nlu_fallback``) with ``out_of_scope`` as its best guess: « mot de
    passe », which the retrieval alone clarifies, gets the abstention instead."""
    off_topic = [("nlu_fallback", 0.55), ("out_of_scope", 0.46), ("ask_question", 0.3)]
    messages, _ = await _run(kb, _tracker("mot de passe", ranking=off_topic))
    assert messages[0]["text"] == ABSTAIN_TEXT
    assert messages[0]["custom"]["kb"]["decision"] == "abstain"
    portal_guess = [("nlu_fallback", 0.55), ("ask_question", 0.46), ("out_of_scope", 0.3)]
    messages, _ = await _run(kb, _tracker("mot de passe", ranking=portal_guess))
    assert messages[0]["text"] == CLARIFY_TEXT


async def test_action_answer_question_off_topic_guess_ignored_for_a_follow_up(
    kb: KnowledgeBase,
) -> None:
    """A follow-up is read with the previous question: it is not off topic, whatever Rasa
    guessed for its few words."""
    off_topic = [("nlu_fallback", 0.55), ("out_of_scope", 0.46)]
    tracker = _tracker("et sinon ?", ranking=off_topic, earlier=["mot de passe"])
    messages, _ = await _run(kb, tracker)
    assert messages[0]["text"] == CLARIFY_TEXT


async def test_action_answer_question_follow_up_is_decided_in_context_only(
    kb: KnowledgeBase,
) -> None:
    """Read with the SIRET question, « et pour changer de mot de passe ? » gets a
    clarification, although alone it would be answered: a follow-up is decided in context
    only (``decide_question``: the fallback on the follow-up alone was right half the time
    on held-out dialogues)."""
    follow_up = "et pour changer de mot de passe ?"
    alone = decide_question(kb, follow_up, "", off_topic=False)
    assert alone.action == "answer"
    tracker = _tracker(follow_up, earlier=["Puis-je créer un compte sans numéro SIRET ?"])
    messages, _ = await _run(kb, tracker)
    assert messages[0]["text"] == CLARIFY_TEXT
    assert messages[0]["custom"]["kb"]["decision"] == "clarify"


async def test_action_answer_question_follow_up_keeps_the_answer_found_in_context(
    kb: KnowledgeBase,
) -> None:
    """When the search in context answers, the follow-up alone is not preferred (alone,
    « et si je n'ai pas de SIRET ? » gets the FAQ entry; in context, the guide section)."""
    tracker = _tracker(
        "et si je n'ai pas de SIRET ?", earlier=["Puis-je créer un compte sans numéro SIRET ?"]
    )
    messages, _ = await _run(kb, tracker)
    kb_record = messages[0]["custom"]["kb"]
    assert kb_record["decision"] == "answer"
    assert kb_record["hits"][0]["id"] == "comptes#compte-sans-siret"


async def test_action_answer_question_off_topic_guess_keeps_a_confident_answer(
    kb: KnowledgeBase,
) -> None:
    off_topic = [("nlu_fallback", 0.55), ("out_of_scope", 0.46)]
    messages, _ = await _run(kb, _tracker(FORGOTTEN_PASSWORD, ranking=off_topic))
    assert messages[0]["custom"]["kb"]["decision"] == "answer"


async def test_action_answer_question_abstains_with_support_link(kb: KnowledgeBase) -> None:
    messages, _ = await _run(kb, _tracker("donne moi une recette de crêpes"))
    message = messages[0]
    assert message["text"] == ABSTAIN_TEXT and "Je ne sais pas répondre" in message["text"]
    assert message["custom"]["links"] == [SUPPORT_LINK]
    assert SUPPORT_LINK["url"] == "/support" and "support" in SUPPORT_LINK["title"]
    assert message["custom"]["kb"]["decision"] == "abstain"


async def test_action_answer_question_button_payload_answers_entry(kb: KnowledgeBase) -> None:
    entity = {"entity": "kb_entry_id", "value": "comptes-gratuit"}
    tracker = _tracker('/ask_question{"kb_entry_id":"comptes-gratuit"}', [entity])
    messages, _ = await _run(kb, tracker)
    assert "gratuit" in messages[0]["text"]
    assert messages[0]["custom"]["kb"] == {"decision": "answer", "selected": "comptes-gratuit"}
    unit = kb.unit("comptes-gratuit")
    assert unit is not None and messages[0]["custom"]["question"] == unit.title


def test_answer_payload_names_the_question_of_an_faq_entry_only(kb: KnowledgeBase) -> None:
    faq = kb.unit("comptes-gratuit")
    section = next(u for u in kb.units if u.kind == "section")
    assert faq is not None and faq.kind == "faq"
    record = {"decision": "answer"}
    assert answer_payload(faq, record)["question"] == faq.title
    assert "question" not in answer_payload(section, record)
    assert answer_payload(section, record)["kb"] is record


async def test_action_answer_question_button_of_a_removed_entry_says_so(
    kb: KnowledgeBase,
) -> None:
    entity = {"entity": "kb_entry_id", "value": "entree-retiree"}
    tracker = _tracker('/ask_question{"kb_entry_id":"entree-retiree"}', [entity])
    messages, events = await _run(kb, tracker)
    assert [m["text"] for m in messages] == [GONE_TEXT]
    assert events == TURN_ENDS


async def test_action_answer_question_missing_index_apologises() -> None:
    def missing() -> KnowledgeBase:
        raise KnowledgeIndexError("var/index/manifest.json: index absent")

    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion(kb_provider=missing).run(
        dispatcher, _tracker(FORGOTTEN_PASSWORD), {}
    )
    assert "difficulté technique" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["custom"]["links"][0]["url"] == "/support"


async def test_action_answer_question_stale_index_apologises(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    stale = KnowledgeBase(
        kb.index, kb.embedder, kb.settings.model_copy(update={"content_dir": tmp_path})
    )
    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion(kb_provider=lambda: stale).run(
        dispatcher, _tracker(FORGOTTEN_PASSWORD), {}
    )
    assert "difficulté technique" in dispatcher.messages[0]["text"]


async def test_action_answer_question_refers_neighbouring_service(kb: KnowledgeBase) -> None:
    messages, events = await _run(kb, _tracker("Je dois déclarer zéro à l'Urssaf ce trimestre ?"))
    assert len(messages) == 1
    message = messages[0]
    assert "ne relève pas de Chorus Portal Pro" in message["text"]
    assert "l'Urssaf" in message["text"] and "support" not in message["text"]
    assert message["custom"]["links"] == [{"title": "urssaf.fr", "url": "https://www.urssaf.fr/"}]
    assert message["custom"]["kb"] == {"decision": "referral", "referral": "urssaf"}
    assert events == TURN_ENDS


async def test_action_answer_question_portal_word_keeps_question_with_kb(
    kb: KnowledgeBase,
) -> None:
    messages, _ = await _run(kb, _tracker("l'Urssaf et mon mot de passe Chorus oublié"))
    assert messages[0]["custom"]["kb"]["decision"] != "referral"


async def test_action_answer_question_leaves_the_next_step_to_rasa_with_a_form_open(
    kb: KnowledgeBase,
) -> None:
    # Rasa's policies may run this action after a form rejected a message; the form may then
    # have to ask again, so the action does not end the turn itself.
    messages, events = await _run(kb, _tracker(FORGOTTEN_PASSWORD, form="support_form"))
    assert len(messages) == 1
    assert events == TURN_ENDS[:1]

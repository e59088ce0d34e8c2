import logging

import pytest

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.decision import decide
from knowledge_base.documents import Unit
from knowledge_base.search import Hit, KnowledgeBase

SETTINGS = KnowledgeBaseSettings(
    answer_min_score=0.6, answer_min_margin=0.1, clarify_min_score=0.3, dense_weight=0.5
)


def _hit(uid: str, fused: float, source: str = "", rank: int = 1, side_rank: int = 0) -> Hit:
    unit = Unit(id=uid, kind="faq", title=uid, answer="…", match_texts=(uid,), source=source)
    return Hit(
        unit=unit,
        dense=fused,
        lexical=fused,
        fused=fused,
        rank=rank,
        dense_rank=side_rank,
        lexical_rank=side_rank,
    )


def test_decide_answer_when_high_and_ahead() -> None:
    decision = decide("q", [_hit("a", 0.8, "g#a"), _hit("b", 0.5, "g#b")], SETTINGS)
    assert decision.action == "answer" and decision.best.unit.id == "a"
    assert decision.margin == pytest.approx(0.3)


def test_decide_clarify_when_close_runner_up() -> None:
    hits = [_hit("a", 0.7, "g#a"), _hit("b", 0.68, "g#b"), _hit("c", 0.66, "g#c"), _hit("d", 0.2)]
    decision = decide("q", hits, SETTINGS)
    assert decision.action == "clarify"
    assert [h.unit.id for h in decision.candidates] == ["a", "b", "c"]


def test_decide_same_source_does_not_compete() -> None:
    hits = [_hit("faq", 0.7, "g#x"), _hit("g#x", 0.69, "g#x"), _hit("other", 0.4, "g#y")]
    decision = decide("q", hits, SETTINGS)
    assert decision.action == "answer" and decision.margin == pytest.approx(0.3)


def test_decide_abstain_when_low(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="knowledge_base.decision"):
        decision = decide("météo à Brest", [_hit("a", 0.25), _hit("b", 0.1)], SETTINGS)
    assert decision.action == "abstain" and decision.candidates == ()
    assert "météo à Brest" in caplog.text and "abstain" in caplog.text
    assert decision.to_record()["decision"] == "abstain"


def test_decide_agreement_lowers_the_margin() -> None:
    agreeing = [_hit("a", 0.7, "g#a", side_rank=1), _hit("b", 0.64, "g#b", side_rank=2)]
    decision = decide("q", agreeing, SETTINGS)
    assert decision.action == "answer" and decision.agree
    assert decision.to_record()["sides_agree"] is True
    split = [_hit("a", 0.7, "g#a", side_rank=2), _hit("b", 0.64, "g#b", side_rank=1)]
    assert decide("q", split, SETTINGS).action == "clarify"


def test_decide_agreement_section_counts_for_its_faq() -> None:
    faq = _hit("faq", 0.7, "g#x", side_rank=3)
    section = Hit(
        unit=Unit(
            id="g#x", kind="section", title="x", answer="…", match_texts=("x",), source="g#x"
        ),
        dense=0.6,
        lexical=0.6,
        fused=0.6,
        rank=2,
        dense_rank=1,
        lexical_rank=1,
    )
    decision = decide("q", [faq, section, _hit("b", 0.64, "g#b", side_rank=2)], SETTINGS)
    assert decision.agree and decision.action == "answer"


def test_decide_agreement_never_answers_a_tie() -> None:
    tie = [_hit("a", 0.7, "g#a", side_rank=1), _hit("b", 0.7, "g#b", side_rank=2)]
    assert decide("q", tie, SETTINGS).action == "clarify"
    # A lead under NEAR_TIE_MARGIN is a tie too, even with no margin configured.
    near = [_hit("a", 0.7, "g#a", side_rank=1), _hit("b", 0.67, "g#b", side_rank=2)]
    no_margin = SETTINGS.model_copy(update={"answer_min_margin": 0.0})
    assert decide("q", near, no_margin).action == "clarify"


def test_decide_on_fixture_index(fixture_kb: KnowledgeBase) -> None:
    settings = fixture_kb.settings.model_copy(update={"answer_min_margin": 0.2})
    answer = decide("mdp perdu", fixture_kb.search("mdp perdu"), settings)
    assert answer.action == "answer" and answer.best.unit.id == "comptes-mot-de-passe-oublie"
    clarify = decide("mot de passe", fixture_kb.search("mot de passe"), settings)
    assert clarify.action == "clarify" and len(clarify.candidates) >= 2
    abstain = decide("recette des crêpes", fixture_kb.search("recette des crêpes"), settings)
    assert abstain.action == "abstain"


def test_decision_dense_lead_counts_as_confident() -> None:
    from knowledge_base.decision import DENSE_LEAD, dense_lead
    from knowledge_base.search import Hit

    def hit(uid: str, dense: float, source: str = "") -> Hit:
        unit = type("U", (), {"id": uid, "source": source})()
        return Hit(unit=unit, dense=dense, lexical=0.1, fused=dense / 2, rank=1)  # type: ignore[arg-type]

    faq = hit("faq-a", 0.85, source="guide#a")
    section = hit("guide#a", 0.83)
    other = hit("faq-b", 0.62)
    assert dense_lead(faq, [faq, section, other]) == pytest.approx(0.23)
    assert dense_lead(faq, [faq, section, other]) >= DENSE_LEAD
    assert dense_lead(faq, [faq, hit("faq-c", 0.80)]) < DENSE_LEAD

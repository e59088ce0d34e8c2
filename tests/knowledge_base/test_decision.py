import dataclasses
import logging

import pytest

from knowledge_base.config import KnowledgeBaseSettings
from knowledge_base.decision import (
    CLARIFY_ANSWER_MIN_SCORE,
    Decision,
    answer_floor,
    bare_topic,
    confident,
    decide,
    dense_lead,
    distinct_entries,
    required_margin,
    same_entry,
    sides_agree,
)
from knowledge_base.documents import Unit
from knowledge_base.search import Hit, KnowledgeBase

# Thresholds of the boundary tests, all binary fractions so that every score, margin and
# spread below is exact in floating point: answer at 0.5 with a lead of 0.25 (0.0625 when
# the sides agree), clarify at 0.25.
BOUNDS = KnowledgeBaseSettings(answer_min_score=0.5, answer_min_margin=0.25, clarify_min_score=0.25)
# A question, not a bare subject: the agreement of the sides lowers the lead it needs.
QUESTION = "comment déposer ma facture sur le portail ?"
DURATION_QUESTION = "combien de temps pour être remboursé ?"
STATES_DURATION = "Le remboursement intervient sous 30 jours."
NO_DURATION = "Remplissez le formulaire en ligne."


def _unit_hit(
    uid: str,
    fused: float,
    *,
    source: str = "",
    kind: str = "faq",
    answer: str = "…",
    dense: float = 0.0,
    lexical: float = 0.0,
    classifier: float = 0.0,
    dense_rank: int = 0,
    lexical_rank: int = 0,
    classifier_rank: int = 0,
) -> Hit:
    """A synthetic hit: no dense or lexical score (so no dense lead) and side ranks 0 (« side
    not computed ») unless given."""
    unit = Unit(id=uid, kind=kind, title=uid, answer=answer, match_texts=(uid,), source=source)
    return Hit(
        unit=unit,
        dense=dense,
        lexical=lexical,
        fused=fused,
        rank=1,
        dense_rank=dense_rank,
        lexical_rank=lexical_rank,
        classifier=classifier,
        classifier_rank=classifier_rank,
    )


def _ids(hits: tuple[Hit, ...] | list[Hit]) -> list[str]:
    return [h.unit.id for h in hits]


# --- the score thresholds ---------------------------------------------------------------


def test_decide_score_at_answer_threshold_answers() -> None:
    # Best exactly at answer_min_score, lead exactly answer_min_margin: both are reached.
    decision = decide(QUESTION, [_unit_hit("a", 0.5), _unit_hit("b", 0.25)], BOUNDS)
    assert decision.action == "answer"
    assert _ids(decision.candidates) == ["a"]
    assert decision.best_score == 0.5 and decision.margin == 0.25
    assert decision.agree is False and decision.missing_fact is None


def test_decide_score_just_below_answer_threshold_clarifies() -> None:
    decision = decide(QUESTION, [_unit_hit("a", 0.49609375), _unit_hit("b", 0.24609375)], BOUNDS)
    assert decision.margin == 0.25  # the lead is enough: only the score fails
    assert decision.action == "clarify"
    assert _ids(decision.candidates) == ["a", "b"]


def test_decide_score_between_clarify_and_answer_thresholds_clarifies() -> None:
    """Above clarify_min_score (0.25) but under answer_min_score (0.5), with a lead far
    beyond any margin and all sides agreeing: the user chooses, nothing is answered. An
    answer check that compared with the clarify threshold would answer here."""
    hits = [
        _unit_hit("a", 0.375, dense_rank=1, lexical_rank=1, classifier_rank=1),
        _unit_hit("b", 0.0625, dense_rank=2, lexical_rank=2, classifier_rank=2),
    ]
    decision = decide(QUESTION, hits, BOUNDS)
    assert decision.agree is True and decision.margin == 0.3125
    assert decision.action == "clarify"
    assert _ids(decision.candidates) == ["a", "b"]  # the runner-up is always offered


def test_decide_off_topic_abstains_instead_of_clarifying() -> None:
    hits = [_unit_hit("a", 0.375), _unit_hit("b", 0.3125)]
    assert decide(QUESTION, hits, BOUNDS).action == "clarify"
    decision = decide(QUESTION, hits, BOUNDS, off_topic=True)
    assert decision.action == "abstain" and decision.candidates == ()
    assert decision.best_score == 0.375  # the scores stay in the record


def test_decide_off_topic_keeps_a_confident_answer() -> None:
    decision = decide(QUESTION, [_unit_hit("a", 0.5), _unit_hit("b", 0.25)], BOUNDS, off_topic=True)
    assert decision.action == "answer" and _ids(decision.candidates) == ["a"]


def test_decide_score_at_clarify_threshold_clarifies() -> None:
    decision = decide(QUESTION, [_unit_hit("a", 0.25), _unit_hit("b", 0.125)], BOUNDS)
    assert decision.action == "clarify"
    assert _ids(decision.candidates) == ["a", "b"]


def test_decide_score_just_below_clarify_threshold_abstains() -> None:
    decision = decide(QUESTION, [_unit_hit("a", 0.24609375), _unit_hit("b", 0.125)], BOUNDS)
    assert decision.action == "abstain"
    assert decision.candidates == () and decision.best is None
    assert decision.best_score == 0.24609375


def test_decide_no_hits_abstains() -> None:
    decision = decide(QUESTION, [], BOUNDS)
    assert decision.action == "abstain" and decision.candidates == () and decision.hits == ()
    assert decision.best_score == 0.0 and decision.margin == 0.0
    assert decision.agree is False and decision.missing_fact is None


# --- the margin rule --------------------------------------------------------------------


def test_decide_margin_just_below_required_clarifies() -> None:
    decision = decide(QUESTION, [_unit_hit("a", 0.75), _unit_hit("b", 0.5078125)], BOUNDS)
    assert decision.margin == 0.2421875 and decision.agree is False
    assert decision.action == "clarify"
    assert _ids(decision.candidates) == ["a", "b"]


def test_decide_margin_of_a_single_entry_is_its_score() -> None:
    decision = decide(QUESTION, [_unit_hit("a", 0.75)], BOUNDS)
    assert decision.action == "answer" and decision.margin == 0.75


def test_decide_agreement_margin_at_a_quarter_answers() -> None:
    # Dense and lexical sides put "a" first: a lead of 0.25 * 0.25 = 0.0625 is enough.
    a = _unit_hit("a", 0.75, dense_rank=1, lexical_rank=1, classifier_rank=2)
    at = decide(QUESTION, [a, _unit_hit("b", 0.6875, dense_rank=2, lexical_rank=2)], BOUNDS)
    assert at.agree is True and at.margin == 0.0625
    assert at.action == "answer" and _ids(at.candidates) == ["a"]
    below = decide(QUESTION, [a, _unit_hit("b", 0.69140625, dense_rank=2, lexical_rank=2)], BOUNDS)
    assert below.agree is True and below.margin == 0.05859375
    assert below.action == "clarify" and _ids(below.candidates) == ["a", "b"]


def test_decide_without_agreement_needs_the_full_margin() -> None:
    # The same lead of 0.0625 with only one side putting "a" first is not enough.
    a = _unit_hit("a", 0.75, dense_rank=1, lexical_rank=2, classifier_rank=2)
    decision = decide(
        QUESTION, [a, _unit_hit("b", 0.6875, lexical_rank=1, classifier_rank=1)], BOUNDS
    )
    assert decision.agree is False
    assert decision.action == "clarify"


def test_decide_near_tie_is_never_answered() -> None:
    no_margin = BOUNDS.model_copy(update={"answer_min_margin": 0.0})
    a = _unit_hit("a", 0.75, dense_rank=1, lexical_rank=1)
    ahead = decide(QUESTION, [a, _unit_hit("b", 0.6875)], no_margin)
    assert ahead.action == "answer"  # 0.0625 ≥ NEAR_TIE_MARGIN (0.05)
    tie = decide(QUESTION, [a, _unit_hit("b", 0.71875)], no_margin)
    assert tie.margin == 0.03125 and tie.action == "clarify"


@pytest.mark.parametrize(
    ("query", "bare"),
    [
        ("mon compte", True),
        ("remboursement", True),
        ("Factur-X ?", True),
        ("le mémoire", True),
        ("compte restreint", False),
        ("mot de passe oublié", False),
        ("comment déposer ma facture ?", False),
    ],
)
def test_bare_topic_cases(query: str, bare: bool) -> None:
    assert bare_topic(query) is bare


def test_decide_bare_topic_gets_no_reduced_margin_from_agreement() -> None:
    # The sides agree on "a", 0.0625 ahead: enough for a question, not for a bare subject.
    a = _unit_hit("a", 0.75, dense_rank=1, lexical_rank=1, classifier_rank=1)
    b = _unit_hit("b", 0.6875, dense_rank=2, lexical_rank=2, classifier_rank=2)
    assert decide(QUESTION, [a, b], BOUNDS).action == "answer"
    subject = decide("mon compte", [a, b], BOUNDS)
    assert subject.agree is True and subject.action == "clarify"
    assert _ids(subject.candidates) == ["a", "b"]
    # A subject with one clear entry (the full lead of 0.25) is answered.
    clear = decide("mon compte", [a, _unit_hit("c", 0.5)], BOUNDS)
    assert clear.action == "answer" and _ids(clear.candidates) == ["a"]


def test_required_margin_values() -> None:
    assert required_margin(0.25, False) == 0.25
    assert required_margin(0.25, True) == 0.0625
    assert required_margin(0.5, True) == 0.125
    # Never below NEAR_TIE_MARGIN (0.05).
    assert required_margin(0.1, True) == 0.05
    assert required_margin(0.0, False) == 0.05
    assert required_margin(0.0, True) == 0.05


# --- DENSE_LEAD and the agreement of the sides ------------------------------------------


def test_dense_lead_values() -> None:
    faq = _unit_hit("faq-a", 0.5, source="guide#a", dense=0.875)
    section = _unit_hit("guide#a", 0.5, kind="section", source="guide#a", dense=0.9375)
    other = _unit_hit("faq-b", 0.5, dense=0.5)
    # The entry's best unit (its section, 0.9375) against the best other entry (0.5).
    assert dense_lead(faq, [faq, section, other]) == 0.4375
    assert dense_lead(faq, [faq]) == 0.875  # no other entry: against 0
    assert dense_lead(faq, [other]) == -0.5  # not among the hits: from 0
    assert dense_lead(faq, []) == 0.0


def test_confident_dense_lead_at_threshold() -> None:
    # DENSE_LEAD is 0.15: a lead of exactly 0.15 on the dense side is confident.
    entry = _unit_hit("a", 0.5, dense=0.15)
    assert confident(entry, [entry, _unit_hit("b", 0.5, dense=0.0)]) is True
    assert confident(entry, [entry, _unit_hit("b", 0.5, dense=0.0078125)]) is False
    assert confident(entry, [entry, _unit_hit("b", 0.5, dense=-0.125)]) is True  # 0.275


def test_decide_dense_lead_counts_as_agreement() -> None:
    # No side rank is 1 for "a", but it leads the dense side by 0.15: the quarter margin
    # (0.0625) is enough.
    b = _unit_hit("b", 0.6875, dense=0.0, dense_rank=1, lexical_rank=1)
    leading = decide(QUESTION, [_unit_hit("a", 0.75, dense=0.15), b], BOUNDS)
    assert leading.agree is True and leading.action == "answer"
    b_closer = _unit_hit("b", 0.6875, dense=0.0078125, dense_rank=1, lexical_rank=1)
    short = decide(QUESTION, [_unit_hit("a", 0.75, dense=0.15), b_closer], BOUNDS)
    assert short.agree is False and short.action == "clarify"


@pytest.mark.parametrize(
    ("dense_rank", "lexical_rank", "classifier_rank", "agree"),
    [
        (1, 1, 1, True),
        (1, 1, 2, True),
        (1, 2, 1, True),
        (2, 1, 1, True),
        (1, 2, 2, False),
        (2, 1, 2, False),
        (2, 2, 1, False),
        (2, 2, 2, False),
        (1, 0, 0, False),  # rank 0: the side was not computed, it does not vote
        (0, 0, 0, False),
    ],
)
def test_sides_agree_needs_two_sides_first(
    dense_rank: int, lexical_rank: int, classifier_rank: int, agree: bool
) -> None:
    entry = _unit_hit(
        "a",
        0.5,
        dense_rank=dense_rank,
        lexical_rank=lexical_rank,
        classifier_rank=classifier_rank,
    )
    assert sides_agree(entry, [entry]) is agree
    assert confident(entry, [entry, _unit_hit("b", 0.5)]) is agree  # no dense lead: 0.5 - 0.5


def test_sides_agree_counts_the_ranks_of_the_entry_units() -> None:
    faq = _unit_hit("faq-a", 0.75, source="guide#a", dense_rank=1)
    section = _unit_hit("guide#a", 0.5, kind="section", source="guide#a", lexical_rank=1)
    other = _unit_hit("faq-b", 0.5, classifier_rank=1, lexical_rank=1)
    assert sides_agree(faq, [faq, section]) is True
    # Another entry's first places do not count for this one.
    assert sides_agree(faq, [faq, other]) is False


def test_same_entry_cases() -> None:
    faq = _unit_hit("faq-a", 0.5, source="guide#a")
    assert same_entry(faq, faq) is True
    section = _unit_hit("guide#a", 0.5, kind="section", source="guide#a")
    assert same_entry(section, faq) is True  # the section the FAQ entry cites
    assert same_entry(faq, section) is True  # an FAQ entry citing the section
    sibling = _unit_hit("faq-b", 0.5, source="guide#a")
    assert same_entry(sibling, faq) is False  # two FAQ entries citing one section
    plain = _unit_hit("faq-c", 0.5)
    assert same_entry(plain, faq) is False and same_entry(faq, plain) is False
    assert same_entry(_unit_hit("faq-d", 0.5), plain) is False
    # Ids are compared by value, not by order nor identity (ids read from the index are
    # not the interned literals of a test).
    assert same_entry(_unit_hit("guide#b", 0.5, kind="section"), faq) is False
    assert same_entry(_unit_hit("guide#0", 0.5, kind="section"), faq) is False
    built = _unit_hit("".join(["guide", "#a"]), 0.5, kind="section")
    assert same_entry(built, faq) is True
    citing = _unit_hit("faq-x", 0.5, source="".join(["faq", "-a"]))
    assert same_entry(citing, faq) is True
    assert same_entry(_unit_hit("".join(["faq", "-a"]), 0.5), faq) is True


def test_distinct_entries_cases() -> None:
    faq = _unit_hit("faq-a", 0.75, source="guide#a")
    section = _unit_hit("guide#a", 0.5, kind="section", source="guide#a")
    sibling = _unit_hit("faq-b", 0.25, source="guide#a")
    plain = _unit_hit("faq-c", 0.125)
    other = _unit_hit("faq-d", 0.0625)
    # A section after the FAQ entry citing it goes; a sibling FAQ entry stays.
    assert _ids(distinct_entries([faq, section, sibling, plain, other])) == [
        "faq-a",
        "faq-b",
        "faq-c",
        "faq-d",
    ]
    # An FAQ entry after the section it cites goes, and so does its sibling.
    assert _ids(distinct_entries([section, faq, sibling, plain])) == ["guide#a", "faq-c"]
    assert distinct_entries([]) == []


def test_decide_same_entry_units_do_not_compete() -> None:
    hits = [
        _unit_hit("faq-a", 0.75, source="guide#a"),
        _unit_hit("guide#a", 0.75, kind="section", source="guide#a"),
        _unit_hit("faq-b", 0.5),
    ]
    decision = decide(QUESTION, hits, BOUNDS)
    assert decision.margin == 0.25 and decision.action == "answer"
    assert _ids(decision.candidates) == ["faq-a"]
    assert _ids(decision.hits) == ["faq-a", "guide#a", "faq-b"]


def test_decide_sorts_hits_by_fused_score() -> None:
    decision = decide(QUESTION, [_unit_hit("b", 0.25), _unit_hit("a", 0.75)], BOUNDS)
    assert decision.action == "answer" and _ids(decision.candidates) == ["a"]
    assert _ids(decision.hits) == ["a", "b"] and decision.margin == 0.5


# --- clarification candidates -----------------------------------------------------------


def test_decide_clarify_keeps_entries_within_spread() -> None:
    # CLARIFY_SPREAD is 0.15: 0.25 is exactly 0.4 - 0.15 and stays, 0.125 goes.
    hits = [
        _unit_hit("a", 0.4),
        _unit_hit("b", 0.375),
        _unit_hit("c", 0.25),
        _unit_hit("d", 0.125),
    ]
    assert _ids(decide(QUESTION, hits, BOUNDS).candidates) == ["a", "b", "c"]
    beyond = [_unit_hit("a", 0.4), _unit_hit("b", 0.375), _unit_hit("c", 0.24609375)]
    assert _ids(decide(QUESTION, beyond, BOUNDS).candidates) == ["a", "b"]


def test_decide_clarify_offers_at_most_three_entries() -> None:
    scores = {"a": 0.45, "b": 0.44, "c": 0.43, "d": 0.42, "e": 0.41}
    hits = [_unit_hit(uid, score) for uid, score in scores.items()]
    decision = decide(QUESTION, hits, BOUNDS)
    assert decision.action == "clarify" and _ids(decision.candidates) == ["a", "b", "c"]


def test_decide_clarify_always_offers_the_runner_up() -> None:
    decision = decide(QUESTION, [_unit_hit("a", 0.4), _unit_hit("b", 0.0625)], BOUNDS)
    assert decision.action == "clarify" and _ids(decision.candidates) == ["a", "b"]


def test_decide_single_entry_between_thresholds_is_answered() -> None:
    # Nothing else to offer: the one candidate is an answer.
    hits = [
        _unit_hit("faq-a", 0.375, source="guide#a"),
        _unit_hit("guide#a", 0.25, kind="section", source="guide#a"),
    ]
    decision = decide(QUESTION, hits, BOUNDS)
    assert decision.action == "answer" and _ids(decision.candidates) == ["faq-a"]


# --- the fact check ---------------------------------------------------------------------


def _fact_hit(uid: str, fused: float, states: bool) -> Hit:
    return _unit_hit(uid, fused, answer=STATES_DURATION if states else NO_DURATION)


def test_decide_fact_stated_by_best_answers() -> None:
    hits = [_fact_hit("a", 0.75, True), _fact_hit("b", 0.25, False)]
    decision = decide(DURATION_QUESTION, hits, BOUNDS)
    assert decision.action == "answer" and _ids(decision.candidates) == ["a"]
    assert decision.missing_fact is None


def test_decide_no_fact_asked_answers_without_fact() -> None:
    hits = [_fact_hit("a", 0.75, False), _fact_hit("b", 0.25, True)]
    decision = decide("comment être remboursé ?", hits, BOUNDS)
    assert decision.action == "answer" and _ids(decision.candidates) == ["a"]
    assert decision.missing_fact is None


def test_decide_fact_missing_with_nothing_close_abstains() -> None:
    # Well above the answer threshold, but the best entry states no duration and the entry
    # that does (0.5) is beyond CLARIFY_SPREAD of it (0.75 - 0.15 = 0.6).
    hits = [_fact_hit("a", 0.75, False), _fact_hit("b", 0.5, True)]
    decision = decide(DURATION_QUESTION, hits, BOUNDS)
    assert decision.action == "abstain" and decision.candidates == ()
    assert decision.missing_fact == "duration" and decision.best_score == 0.75


def test_decide_fact_missing_one_close_stating_entry_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hits = [_fact_hit("a", 0.75, False), _fact_hit("b", 0.625, True), _fact_hit("c", 0.25, True)]
    with caplog.at_level(logging.INFO, logger="knowledge_base.decision"):
        decision = decide(DURATION_QUESTION, hits, BOUNDS)
    assert decision.action == "answer" and _ids(decision.candidates) == ["b"]
    assert decision.missing_fact == "duration"
    assert decision.best_score == 0.75 and decision.margin == 0.125
    assert "fact_asked=duration fact_missing=True" in caplog.text


def test_decide_fact_missing_several_stating_entries_clarify() -> None:
    hits = [_fact_hit("a", 0.75, False), _fact_hit("b", 0.625, True), _fact_hit("c", 0.625, True)]
    decision = decide(DURATION_QUESTION, hits, BOUNDS)
    assert decision.action == "clarify" and _ids(decision.candidates) == ["b", "c"]
    assert decision.missing_fact == "duration"


def test_decide_fact_missing_none_stating_offers_the_close_entries() -> None:
    # 0.6 is exactly 0.75 - CLARIFY_SPREAD: still close.
    hits = [_fact_hit("a", 0.75, False), _fact_hit("b", 0.625, False), _fact_hit("c", 0.6, False)]
    decision = decide(DURATION_QUESTION, hits, BOUNDS)
    assert decision.action == "clarify" and _ids(decision.candidates) == ["a", "b", "c"]
    assert decision.missing_fact == "duration"


def test_decide_fact_missing_looks_at_the_two_next_entries_only() -> None:
    hits = [
        _fact_hit("a", 0.75, False),
        _fact_hit("b", 0.7, False),
        _fact_hit("c", 0.65, False),
        _fact_hit("d", 0.625, True),  # fourth: never considered
    ]
    decision = decide(DURATION_QUESTION, hits, BOUNDS)
    assert decision.action == "clarify" and _ids(decision.candidates) == ["a", "b", "c"]


def test_decide_fact_missing_stating_entry_at_clarify_threshold_answers() -> None:
    # 0.25 is both exactly 0.4 - CLARIFY_SPREAD and exactly clarify_min_score.
    hits = [_fact_hit("a", 0.4, False), _fact_hit("b", 0.25, True)]
    decision = decide(DURATION_QUESTION, hits, BOUNDS)
    assert decision.action == "answer" and _ids(decision.candidates) == ["b"]


def test_decide_fact_missing_stating_entry_below_clarify_threshold_is_offered() -> None:
    hits = [_fact_hit("a", 0.375, False), _fact_hit("b", 0.234375, True)]
    decision = decide(DURATION_QUESTION, hits, BOUNDS)
    assert decision.action == "clarify" and _ids(decision.candidates) == ["b"]


# A clarification floor under the answer floor of the clarification branch
# (CLARIFY_ANSWER_MIN_SCORE, 0.24): entries between the two are offered, never answered.
LOW_CLARIFY = KnowledgeBaseSettings(
    answer_min_score=0.5, answer_min_margin=0.25, clarify_min_score=0.125
)


def test_answer_floor_values() -> None:
    assert answer_floor(LOW_CLARIFY) == CLARIFY_ANSWER_MIN_SCORE
    assert answer_floor(BOUNDS) == 0.25  # a clarification floor above it wins


def test_decide_fact_missing_stating_entry_under_answer_floor_is_offered() -> None:
    hits = [_fact_hit("a", 0.3125, False), _fact_hit("b", 0.1875, True)]
    decision = decide(DURATION_QUESTION, hits, LOW_CLARIFY)
    assert decision.action == "clarify" and _ids(decision.candidates) == ["b"]


def test_decide_fact_missing_stating_entry_at_answer_floor_answers() -> None:
    hits = [_fact_hit("a", 0.3125, False), _fact_hit("b", CLARIFY_ANSWER_MIN_SCORE, True)]
    decision = decide(DURATION_QUESTION, hits, LOW_CLARIFY)
    assert decision.action == "answer" and _ids(decision.candidates) == ["b"]


def test_decide_single_entry_under_answer_floor_is_offered() -> None:
    # Above the clarification floor (0.125), under the answer floor: offered, not answered.
    hits = [_unit_hit("faq-a", 0.1875, source="guide#a")]
    decision = decide(QUESTION, hits, LOW_CLARIFY)
    assert decision.action == "clarify" and _ids(decision.candidates) == ["faq-a"]


def test_decide_single_entry_at_answer_floor_is_answered() -> None:
    hits = [_unit_hit("faq-a", CLARIFY_ANSWER_MIN_SCORE, source="guide#a")]
    decision = decide(QUESTION, hits, LOW_CLARIFY)
    assert decision.action == "answer" and _ids(decision.candidates) == ["faq-a"]


def test_decide_fact_missing_below_clarify_threshold_abstains() -> None:
    hits = [_fact_hit("a", 0.125, False), _fact_hit("b", 0.0625, True)]
    decision = decide(DURATION_QUESTION, hits, BOUNDS)
    assert decision.action == "abstain" and decision.candidates == ()
    assert decision.missing_fact == "duration"


def test_decide_fact_asked_without_hits_abstains() -> None:
    decision = decide(DURATION_QUESTION, [], BOUNDS)
    assert decision.action == "abstain" and decision.missing_fact is None


# --- the record and the log line --------------------------------------------------------


def _record_hits() -> list[Hit]:
    return [
        _unit_hit("a", 0.7654321, dense=0.61234567, lexical=0.87654321, classifier=0.12345678),
        _unit_hit("b", 0.4321, dense=0.5, lexical=0.4321),
        _unit_hit("c", 0.25, kind="section", dense=0.25, lexical=0.25),
        _unit_hit("d", 0.125),
    ]


def test_decision_to_record_content() -> None:
    record = decide(QUESTION, _record_hits(), BOUNDS).to_record()
    assert record == {
        "decision": "answer",
        "missing_fact": None,
        "best_score": 0.7654,
        "margin": 0.3333,
        "sides_agree": False,
        "thresholds": {
            "answer_min_score": 0.5,
            "answer_min_margin": 0.25,
            "clarify_min_score": 0.25,
            "clarify_answer_min_score": 0.25,
        },
        "candidates": ["a"],
        "hits": [  # the three best only
            {
                "id": "a",
                "kind": "faq",
                "dense": 0.6123,
                "lexical": 0.8765,
                "classifier": 0.1235,
                "fused": 0.7654,
            },
            {
                "id": "b",
                "kind": "faq",
                "dense": 0.5,
                "lexical": 0.4321,
                "classifier": 0.0,
                "fused": 0.4321,
            },
            {
                "id": "c",
                "kind": "section",
                "dense": 0.25,
                "lexical": 0.25,
                "classifier": 0.0,
                "fused": 0.25,
            },
        ],
    }


def test_decision_is_frozen() -> None:
    decision = decide(QUESTION, [_unit_hit("a", 0.75)], BOUNDS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.action = "abstain"  # type: ignore[misc]


def test_decision_defaults_and_best() -> None:
    decision = Decision(action="abstain", query="q", best_score=0.0, margin=0.0)
    assert decision.best is None
    assert decision.to_record() == {
        "decision": "abstain",
        "missing_fact": None,
        "best_score": 0.0,
        "margin": 0.0,
        "sides_agree": False,
        "thresholds": {},
        "candidates": [],
        "hits": [],
    }
    first, second = _unit_hit("a", 0.5), _unit_hit("b", 0.25)
    assert Decision("clarify", "q", 0.5, 0.25, candidates=(first, second)).best is first


def test_decide_logs_scores_and_crossed_thresholds(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="knowledge_base.decision"):
        decide(QUESTION, _record_hits(), BOUNDS)
        decide(DURATION_QUESTION, [], BOUNDS, off_topic=True)
    messages = [r.getMessage() for r in caplog.records if r.name == "knowledge_base.decision"]
    assert messages == [
        "kb.decision action=answer query='comment déposer ma facture sur le portail ?' best=a "
        "score=0.765 margin=0.333 "
        "crossed=['answer_min_score', 'answer_min_margin', 'clarify_min_score', "
        "'clarify_answer_min_score'] "
        "fact_asked=None fact_missing=False off_topic=False "
        "top=[('a', 0.612, 0.877, 0.765), ('b', 0.5, 0.432, 0.432), ('c', 0.25, 0.25, 0.25)]",
        "kb.decision action=abstain query='combien de temps pour être remboursé ?' best=None "
        "score=0.000 margin=0.000 crossed=[] fact_asked=duration fact_missing=False "
        "off_topic=True top=[]",
    ]


# --- earlier tests -----------------------------------------------------------------------

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
    decision = decide(QUESTION, [_hit("a", 0.8, "g#a"), _hit("b", 0.5, "g#b")], SETTINGS)
    assert decision.action == "answer" and decision.best.unit.id == "a"
    assert decision.margin == pytest.approx(0.3)


def test_decide_clarify_when_close_runner_up() -> None:
    hits = [_hit("a", 0.7, "g#a"), _hit("b", 0.68, "g#b"), _hit("c", 0.66, "g#c"), _hit("d", 0.2)]
    decision = decide(QUESTION, hits, SETTINGS)
    assert decision.action == "clarify"
    assert [h.unit.id for h in decision.candidates] == ["a", "b", "c"]


def test_decide_same_source_does_not_compete() -> None:
    hits = [_hit("faq", 0.7, "g#x"), _hit("g#x", 0.69, "g#x"), _hit("other", 0.4, "g#y")]
    decision = decide(QUESTION, hits, SETTINGS)
    assert decision.action == "answer" and decision.margin == pytest.approx(0.3)


def test_decide_abstain_when_low(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="knowledge_base.decision"):
        decision = decide("météo à Brest", [_hit("a", 0.25), _hit("b", 0.1)], SETTINGS)
    assert decision.action == "abstain" and decision.candidates == ()
    assert "météo à Brest" in caplog.text and "abstain" in caplog.text
    assert decision.to_record()["decision"] == "abstain"


def test_decide_agreement_lowers_the_margin() -> None:
    agreeing = [_hit("a", 0.7, "g#a", side_rank=1), _hit("b", 0.64, "g#b", side_rank=2)]
    decision = decide(QUESTION, agreeing, SETTINGS)
    assert decision.action == "answer" and decision.agree
    assert decision.to_record()["sides_agree"] is True
    split = [_hit("a", 0.7, "g#a", side_rank=2), _hit("b", 0.64, "g#b", side_rank=1)]
    assert decide(QUESTION, split, SETTINGS).action == "clarify"


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
    decision = decide(QUESTION, [faq, section, _hit("b", 0.64, "g#b", side_rank=2)], SETTINGS)
    assert decision.agree and decision.action == "answer"


def test_decide_agreement_never_answers_a_tie() -> None:
    tie = [_hit("a", 0.7, "g#a", side_rank=1), _hit("b", 0.7, "g#b", side_rank=2)]
    assert decide(QUESTION, tie, SETTINGS).action == "clarify"
    # A lead under NEAR_TIE_MARGIN is a tie too, even with no margin configured.
    near = [_hit("a", 0.7, "g#a", side_rank=1), _hit("b", 0.67, "g#b", side_rank=2)]
    no_margin = SETTINGS.model_copy(update={"answer_min_margin": 0.0})
    assert decide(QUESTION, near, no_margin).action == "clarify"


def test_decide_on_fixture_index(fixture_kb: KnowledgeBase) -> None:
    settings = fixture_kb.settings.model_copy(update={"answer_min_margin": 0.2})
    # Not a text of the fixture content (FAQ question, variant, answer or guide).
    query = "j'ai oublié mon mdp, comment faire ?"
    answer = decide(query, fixture_kb.search(query), settings)
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

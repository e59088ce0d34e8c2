from knowledge_base.decision import NEAR_TIE_MARGIN
from knowledge_base.evaluation import (
    MAX_OUT_OF_SCOPE_ANSWERED,
    Profile,
    choose_thresholds,
    fold_ids,
    summarise,
)


def _in(best: float, margin: float, right: bool = True, agree: bool = False) -> Profile:
    answered = "answer_right" if right else "answer_wrong"
    clarified = "clarify_right" if right else "clarify_wrong"
    return Profile(True, best, margin, agree, answered, clarified)


def _out(best: float, margin: float = 0.0) -> Profile:
    return Profile(False, best, margin, False, "answer", "clarify")


def test_fold_ids_balanced_and_deterministic() -> None:
    ids = fold_ids(23, 5)
    assert ids == fold_ids(23, 5) and sorted(set(ids)) == [0, 1, 2, 3, 4]
    assert max(ids.count(k) for k in range(5)) - min(ids.count(k) for k in range(5)) <= 1


def test_choose_thresholds_answers_confident_and_abstains_out_of_scope() -> None:
    profiles = [_in(0.8, 0.3)] * 20 + [_in(0.45, 0.01, right=False)] * 5 + [_out(0.4)] * 10
    thresholds, utility = choose_thresholds(profiles)
    counts = summarise(profiles, thresholds)
    assert counts["in:answer_right"] == 20 and counts.get("in:answer_wrong", 0) == 0
    assert counts["out:abstain"] == 10 and utility > 0


def test_choose_thresholds_out_of_scope_tolerance() -> None:
    # An out-of-scope question scoring like the in-scope ones: answering all costs one.
    profiles = [_in(0.7, 0.3)] * 30 + [_out(0.2)] * 99 + [_out(0.75, 0.3)]
    thresholds, _ = choose_thresholds(profiles)
    counts = summarise(profiles, thresholds)
    assert counts.get("out:answer", 0) <= MAX_OUT_OF_SCOPE_ANSWERED * 100


def test_summarise_agreement_lowers_margin() -> None:
    profiles = [_in(0.6, 0.05, agree=True), _in(0.6, 0.05, agree=False)]
    t = {"answer_min_score": 0.5, "answer_min_margin": 0.1, "clarify_min_score": 0.3}
    assert summarise(profiles, t) == {"in:answer_right": 1, "in:clarify_right": 1}


def test_choose_thresholds_never_answers_near_ties() -> None:
    # Near ties that happen to be right: answering them would pay, the floor forbids it,
    # even when the sides agree.
    profiles = [_in(0.7, 0.01)] * 10 + [_in(0.7, 0.01, agree=True)] * 10 + [_in(0.7, 0.3)] * 5
    thresholds, _ = choose_thresholds(profiles)
    counts = summarise(profiles, thresholds)
    assert counts == {"in:answer_right": 5, "in:clarify_right": 20}
    just_above = [_in(0.7, NEAR_TIE_MARGIN + 0.01, agree=True)]
    assert summarise(just_above, {**thresholds, "answer_min_margin": 0.0}) == {"in:answer_right": 1}

"""Answer / clarify / abstain at the production thresholds, over the real index, on the
held-out real users' questions.

The set is ``eval/real_questions/test.jsonl`` (see ``eval/README.md``): questions real people
asked, collected by helpers who never saw the knowledge base, split by source URL, and on
which no weight, threshold, cue or entry was ever chosen. Each portal question (``kind:
faq``) carries regexes for the key fact of a right answer (``must_contain_any`` /
``must_contain_all``). The knowledge base is used directly (``KnowledgeBase.search`` then
``decide``, the default :class:`KnowledgeBaseSettings`), without Rasa nor the web app:

- an **answer** is right when the answered entry's answer text holds the fact, wrong
  otherwise (the worst outcome for a public service);
- a **clarification** offers 2–3 entries (counted apart when one of them holds the fact);
- an **abstention** says « I do not know » and offers the support form;
- an out-of-scope question (``kind: out_of_scope``) must not be answered.

The fact is judged by :func:`knowledge_base.fact_calibration.holds_fact` (the regexes of the
end-to-end evaluation, searched in the lower-cased text) and the outcome named by
:func:`assistant.evaluation_outcomes.classify_outcome`, the end-to-end evaluation's own.

The bounds below sit a little beside the rates measured once (content and index of
2026-12-06, see ``var/testing-notes/decision_fusion.md``); they are measurements, never a
target: nothing may be tuned on this set to move them.

The real index must be built (``make index``): without it the test fails, it does not skip.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from assistant.evaluation_outcomes import TurnInfo, classify_outcome
from knowledge_base.config import REPO_DIR, KnowledgeBaseSettings
from knowledge_base.decision import decide
from knowledge_base.fact_calibration import holds_fact
from knowledge_base.index import KnowledgeIndexError, is_stale
from knowledge_base.search import KnowledgeBase

HELD_OUT_SET = REPO_DIR / "eval" / "real_questions" / "test.jsonl"

# Measured once on the 212 portal questions: 115 answered right (0.542), 18 answered wrong
# (0.085), 54 clarified (0.255; 44 of them offering an entry that holds the fact), 25
# abstained (0.118); 5 of the 20 out-of-scope questions answered (0.25). Each bound leaves
# room for about 5 questions (one out-of-scope question). Again after the blind review of
# the set's regexes (eval/README.md, session 9): 115 right, 18 wrong, 58 clarified (48 with
# the fact), 21 abstained; 4 out-of-scope questions answered. Again when the clarification
# floor went from 0.24 to 0.20 (chosen on the development sets, knowledge_base/config.py;
# session 18): 118 right, 16 wrong (unchanged), 67 clarified (55 with the fact), 11
# abstained; 4 out-of-scope questions answered.
ANSWERED_RIGHT_FLOOR = 0.51
ANSWERED_WRONG_CEILING = 0.11
CLARIFIED_CEILING = 0.34
ABSTAINED_CEILING = 0.08
OUT_OF_SCOPE_ANSWERED_CEILING = 0.30


def _production_settings() -> KnowledgeBaseSettings:
    """The defaults of :class:`KnowledgeBaseSettings`, whatever ``KB_*`` variables say."""
    defaults = {
        name: field.default
        for name, field in KnowledgeBaseSettings.model_fields.items()
        if field.default is not None
    }
    return KnowledgeBaseSettings(**defaults)


def _load_items(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def real_kb() -> KnowledgeBase:
    settings = _production_settings()
    how = "build it with `make index` (.venv/bin/python -m knowledge_base build --if-stale)"
    if is_stale(settings):
        pytest.fail(f"the real index in {settings.index_dir} is missing or stale: {how}")
    try:
        return KnowledgeBase.load(settings)
    except (KnowledgeIndexError, FileNotFoundError) as exc:
        pytest.fail(f"the real index in {settings.index_dir} is unusable ({exc}): {how}")


def _outcome(kb: KnowledgeBase, item: dict[str, Any]) -> str:
    question = item["question"]
    decision = decide(question, kb.search(question), kb.settings)
    answers = [hit.unit.answer for hit in decision.candidates]
    passed = decision.action == "answer" and holds_fact(item, answers[0])
    clarify_right = decision.action == "clarify" and any(holds_fact(item, a) for a in answers)
    turn = TurnInfo(intent=None, decision=decision.action)
    return classify_outcome(item["kind"], passed, turn, clarify_right)


def test_decisions_real_held_out_rates(real_kb: KnowledgeBase) -> None:
    assert real_kb.settings == _production_settings()
    items = [i for i in _load_items(HELD_OUT_SET) if not i.get("turns")]
    portal = [i for i in items if i["kind"] == "faq"]
    out_of_scope = [i for i in items if i["kind"] == "out_of_scope"]
    assert len(portal) == 212 and len(out_of_scope) == 20, "the held-out set changed"

    outcomes = Counter(_outcome(real_kb, item) for item in portal)
    declined = Counter(_outcome(real_kb, item) for item in out_of_scope)
    n = len(portal)
    rates = {
        "right": outcomes["right"] / n,
        "wrong": outcomes["wrong"] / n,
        "clarified": (outcomes["clarified_right"] + outcomes["clarified_other"]) / n,
        "clarified_right": outcomes["clarified_right"] / n,
        "abstained": outcomes["abstained"] / n,
        "out_of_scope_answered": declined["answered"] / len(out_of_scope),
    }
    report = f"outcomes {dict(outcomes)}, out of scope {dict(declined)}, rates {rates}"
    assert set(outcomes) <= {"right", "wrong", "clarified_right", "clarified_other", "abstained"}
    assert rates["right"] >= ANSWERED_RIGHT_FLOOR, report
    assert rates["wrong"] <= ANSWERED_WRONG_CEILING, report
    assert rates["clarified"] <= CLARIFIED_CEILING, report
    assert rates["abstained"] <= ABSTAINED_CEILING, report
    assert rates["out_of_scope_answered"] <= OUT_OF_SCOPE_ANSWERED_CEILING, report

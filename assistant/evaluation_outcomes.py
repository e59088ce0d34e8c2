"""What an evaluated item's last turn came to, and whether it reached the right flow.

Outcomes of a portal question (kinds ``faq``, ``rollout``, ``followup``):

- ``right``: the reply holds the key fact;
- ``wrong``: a confident answer (retrieval or rollout rules) without the fact, the worst
  outcome for a public service;
- ``clarified_right`` / ``clarified_other``: « Vouliez-vous dire… » with / without a choice
  that leads to a right answer;
- ``abstained``: the retrieval said it does not know and offered the support form;
- ``elsewhere``: another flow answered (status lookup, human handoff, a form's question,
  a polite out-of-scope reply) without the fact.

An out-of-scope item is ``answered`` when a confident answer was given (a portal fact
where none belongs), ``declined`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

# The intent each kind of item should reach. ``followup`` turns are portal questions.
EXPECTED_INTENT = {
    "faq": "ask_question",
    "followup": "ask_question",
    "rollout": "ask_rollout_date",
    "status_lookup": "check_status",
    "escalate": "ask_human",
    "out_of_scope": "out_of_scope",
}
# Intents whose turn the retrieval action answers (nlu_fallback is routed to it).
RETRIEVAL_INTENTS = frozenset({"ask_question", "nlu_fallback"})


@dataclass(frozen=True)
class TurnInfo:
    """The turn log's view of one turn: the intent Rasa reached and the last decision
    record an action sent (``answer``, ``clarify``, ``abstain``; ``None`` when no action
    of the retrieval or the rollout rules spoke)."""

    intent: str | None
    decision: str | None


def expected_intent(kind: str) -> str:
    return EXPECTED_INTENT.get(kind, kind)


def classify_outcome(kind: str, passed: bool, turn: TurnInfo, clarify_right: bool) -> str:
    if kind == "out_of_scope":
        return "answered" if turn.decision == "answer" else "declined"
    if kind not in {"faq", "rollout", "followup"}:
        return "right" if passed else "elsewhere"
    if turn.decision == "clarify":
        return "clarified_right" if passed or clarify_right else "clarified_other"
    if turn.decision == "abstain":
        return "abstained"
    if passed:
        return "right"
    if turn.decision == "answer":
        return "wrong"
    return "elsewhere"


def is_served(kind: str, passed: bool, turn: TurnInfo) -> bool | None:
    """Whether the item reached the retrieval or the flow that serves its kind (``None``
    for kinds without one, such as small talk)."""
    if kind in {"faq", "followup"}:
        return passed or turn.decision is not None or turn.intent in RETRIEVAL_INTENTS
    if kind == "rollout":
        return passed or turn.decision is not None or turn.intent == "ask_rollout_date"
    if kind in {"status_lookup", "escalate", "out_of_scope"}:
        return passed or turn.intent == EXPECTED_INTENT[kind]
    return None


def database_turn_log(session_id: str) -> list[TurnInfo]:
    """The web app's turn log of ``session_id`` (its configured database), oldest first."""
    from portal.conversations import repository
    from storage.db import get_sessionmaker

    with get_sessionmaker()() as session:
        turns = repository.list_turns(session, session_id)
        return [
            TurnInfo(
                turn.intent,
                next(
                    (r.get("decision") for r in reversed(turn.kb or []) if isinstance(r, dict)),
                    None,
                ),
            )
            for turn in turns
        ]

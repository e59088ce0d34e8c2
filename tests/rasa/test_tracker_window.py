"""The events Rasa is given of a long conversation (issue 17): bounded, slots kept, the whole
session when a form is open or an event cannot be left out."""

from __future__ import annotations

from nlu_components.tracker_window import MAX_TURNS, StoredEvent, window

OPENING = [
    StoredEvent("action", "action_session_start"),
    StoredEvent("session_started"),
    StoredEvent("action", "action_listen"),
]


def _knowledge_turn(slot: str = "kb_entry_id") -> list[StoredEvent]:
    """The stored events of a portal question answered by the retrieval action."""
    return [
        StoredEvent("user"),
        StoredEvent("user_featurization"),
        StoredEvent("action", "action_answer_question"),
        StoredEvent("bot"),
        StoredEvent("slot", slot),
        # the action ends the turn itself (actions/knowledge.py)
        StoredEvent("followup", "action_listen"),
        StoredEvent("action", "action_listen"),
    ]


def _conversation(turns: int) -> list[StoredEvent]:
    events = list(OPENING)
    for _ in range(turns):
        events += _knowledge_turn()
    return events


def _given(events: list[StoredEvent]) -> list[StoredEvent]:
    kept = window(events)
    return events if kept is None else [events[i] for i in kept]


def test_window_short_conversation_given_whole() -> None:
    assert window(_conversation(MAX_TURNS)) is None


def test_window_turn_30_given_as_many_events_as_turn_11() -> None:
    given = {turns: len(_given(_conversation(turns))) for turns in (MAX_TURNS + 1, 30, 60)}
    assert given[30] == given[60] == given[MAX_TURNS + 1], given
    assert given[30] < len(_conversation(30)) / 2


def test_window_keeps_opening_last_slot_values_and_last_turns() -> None:
    events = list(OPENING)
    events += _knowledge_turn("rollout_category")
    events += _knowledge_turn("rollout_departement")
    for _ in range(40):
        events += _knowledge_turn()
    kept = window(events)
    assert kept is not None
    users = [i for i, e in enumerate(events) if e.kind == "user"]
    assert kept[:3] == [0, 1, 2]
    slots = [events[i].name for i in kept[3:6]]
    assert slots == ["rollout_category", "rollout_departement", "kb_entry_id"]
    assert kept[6:] == list(range(users[-MAX_TURNS], len(events)))
    assert sum(1 for i in kept if events[i].kind == "user") == MAX_TURNS


def test_window_open_form_given_whole() -> None:
    events = _conversation(20)
    events[-1:-1] = [StoredEvent("active_loop", "support_form")]
    assert window(events) is None


def test_window_form_open_at_the_cut_given_whole() -> None:
    events = _conversation(5)
    events += [StoredEvent("active_loop", "support_form")]
    events += _conversation(20)[len(OPENING) :]
    events += [StoredEvent("active_loop", None)]
    events += _conversation(2)[len(OPENING) :]
    assert window(events) is None


def test_window_closed_form_before_the_cut_left_out() -> None:
    events = _conversation(5)
    events += [StoredEvent("active_loop", "support_form"), StoredEvent("active_loop", None)]
    events += _conversation(20)[len(OPENING) :]
    assert window(events) is not None


def test_window_restart_in_left_out_turns_given_whole() -> None:
    events = _conversation(3) + [StoredEvent("restart")] + _conversation(20)[len(OPENING) :]
    assert window(events) is None

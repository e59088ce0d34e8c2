"""Which stored events of a long conversation Rasa is given at each message (issue 17).

Rasa rebuilds the conversation's tracker from every stored event of its session at each
message, featurises all of it for its policies (``past_states``, five times a message),
copies it to run an action and sends all of it to the action server: each of these costs
grows with the conversation. Measured on 2026-12-06 (2 shared cores; 10 conversations of
30 portal questions, as ``make bench``): Rasa's CPU time a message went from 52 ms (turns
1-5) to 85 ms (turns 26-30), mostly in that featurisation and in deserialising the events
(``DialogueStateTracker.from_dict``); the action request grew from 29 KB (5 events) to
144 KB (183 events); the web app and the action server stayed flat. With this window:
51 ms to 62 ms, flat from turn 10 on.

None of that needs the whole history: the policies look at the last turns
(``MemoizationPolicy`` ``max_history: 3``, short rules), the follow-up of a question needs
the question before it, and the slots hold what the conversation knows. So once a
conversation has more than :data:`MAX_TURNS` user messages, Rasa gets:

- the session's opening events (``action_session_start``, ``session_started``, the slots
  carried over, the first ``action_listen``);
- the last ``slot`` event of each slot set in the turns left out, so that every slot keeps
  its value (the events are the stored ones, with their timestamps);
- the last :data:`MAX_TURNS` turns, from a user message on, as stored.

The whole session is given instead, as before, when a form (an active loop) is open at the
end of the stored events or at the cut (a form's turns are collapsed by Rasa's
``applied_events`` from its activation on), or when the turns left out hold an event whose
effect is not a slot value (restart, rewind, undo, pause, reminder…): these are rare and
short, and keep Rasa's own behaviour. Nothing is deleted: the store keeps every event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_TURNS = 5
"""User messages given to Rasa in full. The policies need the last 3 states, the follow-up
of a question (``actions/follow_up.py``) the user message before it, and the support form's
proposal (``unanswered_question``) looks for the last unanswered question before the form
(asked, not answered, then « je veux parler à quelqu'un »: two or three messages). 10 until
2026-12-06; 5 since, with the store reading only the window's events: 15 conversations of
30 turns, median reply 63 ms at turn 1 and 66 ms over turns 21–30 (Rasa CPU 38 ms a message
at turns 2–5, 44 ms at 21–30), against 73 and 86 ms (42 and 56 ms) with 10 and the whole
session's events read at each turn."""

SLOT_EVENT = "slot"
USER_EVENT = "user"
LOOP_EVENT = "active_loop"
SAFE_TO_LEAVE_OUT = frozenset(
    {
        USER_EVENT,
        "bot",
        "action",
        SLOT_EVENT,
        LOOP_EVENT,
        "user_featurization",
        "loop_interrupted",
        "action_execution_rejected",
        "entities",
        "followup",
    }
)
"""Event types whose only lasting effect, once their turn is over, is a slot value or an
active loop (the loop is checked apart): left out, they change nothing Rasa computes. A
``followup`` event (``FollowupAction``, which the knowledge action returns to end its turn)
names the action run next; the ``action`` event of that run (or a user message) clears it,
within its turn."""


@dataclass(frozen=True)
class StoredEvent:
    """What the plan reads of a stored event: its type and name (Rasa's ``events`` table's
    ``type_name`` and ``action_name``: the slot's name for a ``slot`` event, the loop's name,
    or none, for an ``active_loop`` event)."""

    kind: str
    name: str | None = None


def window(events: Sequence[StoredEvent], max_turns: int = MAX_TURNS) -> list[int] | None:
    """The indexes, in order, of the events of a session that Rasa is given; ``None`` when it
    is given all of them (short conversation, open form, or an event that cannot be left
    out)."""
    users = [i for i, event in enumerate(events) if event.kind == USER_EVENT]
    if len(users) <= max_turns:
        return None
    cut = users[-max_turns]
    if _loop_open(events[:cut]) or _loop_open(events):
        return None
    first_user = users[0]
    left_out = events[first_user:cut]
    if any(event.kind not in SAFE_TO_LEAVE_OUT for event in left_out):
        return None
    last_slot_events: dict[str | None, int] = {}
    for offset, event in enumerate(left_out):
        if event.kind == SLOT_EVENT:
            last_slot_events[event.name] = first_user + offset
    return [
        *range(first_user),
        *sorted(last_slot_events.values()),
        *range(cut, len(events)),
    ]


def _loop_open(events: Sequence[StoredEvent]) -> bool:
    """Whether a loop (form) is active after ``events``."""
    active: str | None = None
    for event in events:
        if event.kind == LOOP_EVENT:
            active = event.name
    return bool(active)

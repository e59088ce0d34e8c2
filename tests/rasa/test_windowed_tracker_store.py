"""The assistant's tracker store (``endpoints.yml``: windowed and redacting) in Rasa's own
environment (issue 17): a 30-turn conversation is saved and retrieved turn by turn through
it, as the Rasa server does, and what Rasa would
send to the action server is counted. At turn 30 Rasa gets no more events than at turn
``MAX_TURNS + 2``; every event is stored; the slots and the previous question are those
of the whole conversation; an e-mail typed at turn 3 is stored redacted. Counts only, no
timing. Skipped without ``.venv-rasa``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nlu_components.tracker_window import MAX_TURNS
from storage.paths import REPO_ROOT
from tests.rasa.rasa_env import run_in_rasa_env

TURNS = 30
SCRIPT = """
import asyncio, json, sys
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.core.tracker_store import (AwaitableTrackerStore, FailSafeTrackerStore,
                                     SQLTrackerStore)
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                     UserUttered)
from nlu_components.redacting_tracker_store import RedactingSQLTrackerStore
from sqlalchemy import event as sa_event

async def two_sessions(store, domain, db):
    # the events read back by this store and by Rasa's own, for a conversation whose second
    # session has begun (Rasa gives the latest session's events only)
    tracker = await store.get_or_create_tracker("two", append_action_listen=True)
    for session in (1, 2):
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(f"session {session}", {"name": "ask_question"}))
        tracker.update(BotUttered(f"réponse {session}"))
        await store.save(tracker)
    rasa_store = SQLTrackerStore(domain, dialect="sqlite", db=db)
    ours = [e.as_dict() for e in (await store.retrieve("two")).events]
    rasa = [e.as_dict() for e in (await rasa_store.retrieve("two")).events]
    return {"ours": ours, "rasa": rasa,
            "texts": [e["text"] for e in ours if e["event"] == "user"]}

async def main(db, turns):
    domain = Domain.load("domain")
    store = RedactingSQLTrackerStore(domain, dialect="sqlite", db=db)
    # the Rasa server works through the wrappers its agent puts around the store
    served = FailSafeTrackerStore(AwaitableTrackerStore(store))
    counts = {"count": 0, "connects": 0}

    @sa_event.listens_for(store.engine, "before_cursor_execute")
    def count_counts(conn, cursor, statement, *args):
        counts["count"] += "count(" in statement.lower()

    @sa_event.listens_for(store.engine, "connect")
    def count_connects(dbapi_conn, record):
        counts["connects"] += 1

    action = RemoteAction("action_answer_question", None)
    out = {"given": [], "sent": [], "previous": []}
    for turn in range(1, turns + 1):
        tracker = await served.get_or_create_tracker("long", append_action_listen=True)
        out["given"].append(len(tracker.events))
        typed = f"question {turn}" + (" de jean.dupont@exemple.fr" if turn == 3 else "")
        tracker.update(UserUttered(typed, {"name": "ask_question"}))
        body = action._action_call_format(tracker, domain)["tracker"]
        out["sent"].append(len(body["events"]))
        users = [e["text"] for e in body["events"] if e["event"] == "user"]
        out["previous"].append(users[-2] if len(users) > 1 else None)
        tracker.update(ActionExecuted("action_answer_question"))
        tracker.update(BotUttered(f"réponse {turn}"))
        if turn == 2:
            tracker.update(SlotSet("company_category", "pme"))
        tracker.update(SlotSet("kb_entry_id", f"faq-{turn}"))
        tracker.update(ActionExecuted("action_listen"))
        await served.save(tracker)
    out["count_queries"] = counts["count"]
    out["connects"] = counts["connects"]
    with store.engine.connect() as connection:
        out["journal_mode"] = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        out["synchronous"] = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    full = await store.retrieve_full_tracker("long")
    out["stored_users"] = sum(1 for e in full.events if isinstance(e, UserUttered))
    out["stored_texts"] = [e.text for e in full.events if isinstance(e, UserUttered)]
    out["full_slots"] = full.current_slot_values()
    out["given_slots"] = (await store.retrieve("long")).current_slot_values()
    statements = []

    @sa_event.listens_for(store.engine, "before_cursor_execute")
    def keep(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    out["final_given"] = len((await store.retrieve("long")).events)
    out["json_reads"] = [q for q in statements if " data " in q.replace(",", " ")]
    out["two_sessions"] = await two_sessions(store, domain, db)
    print(json.dumps(out))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


@pytest.fixture(scope="module")
def conversation(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    db = Path(tmp_path_factory.mktemp("tracker")) / "tracker.db"
    return run_in_rasa_env(SCRIPT, str(db), str(TURNS))


def test_windowed_store_turn_30_given_no_more_than_turn_12(
    conversation: dict[str, list[int]],
) -> None:
    given, sent = conversation["given"], conversation["sent"]
    bounded_from = MAX_TURNS + 2  # turn 12: the first whose tracker is windowed when saved
    assert given[TURNS - 1] <= given[bounded_from - 1], given
    assert sent[TURNS - 1] <= sent[bounded_from - 1], sent
    assert given[TURNS - 1] < given[TURNS - 1 - MAX_TURNS] * 2, given


def test_windowed_store_keeps_every_event_and_slot(conversation: dict[str, object]) -> None:
    assert conversation["stored_users"] == TURNS
    assert conversation["given_slots"] == conversation["full_slots"]
    slots = conversation["full_slots"]
    assert isinstance(slots, dict)
    assert slots["company_category"] == "pme"
    assert slots["kb_entry_id"] == f"faq-{TURNS}"


def test_windowed_store_reads_only_the_window_events(conversation: dict[str, Any]) -> None:
    # a windowed read fetches the JSON of the window's events only, by id, not the session's
    reads = conversation["json_reads"]
    assert len(reads) == 1, reads
    assert " IN (" in reads[0], reads[0]
    assert reads[0].count("?") == conversation["final_given"], reads[0]  # one id per event


def test_windowed_store_reads_the_latest_session_as_rasa_does(
    conversation: dict[str, dict[str, object]],
) -> None:
    two = conversation["two_sessions"]
    assert two["texts"] == ["session 2"]
    assert two["ours"] == two["rasa"]


def test_windowed_store_counts_stored_events_once_per_conversation(
    conversation: dict[str, int],
) -> None:
    # Rasa's SQLTrackerStore counts the stored events at every save (here 2 a turn); the
    # store knows how many a tracker it read or saved holds: only the new tracker's first
    # save counts.
    assert conversation["count_queries"] == 1


def test_windowed_store_keeps_its_sqlite_connection_with_the_app_pragmas(
    conversation: dict[str, object],
) -> None:
    # Rasa's engine opened a SQLite connection for every read and save (here 60), with the
    # rollback journal (nlu_components/sqlite_engine.py).
    assert conversation["connects"] == 1
    assert conversation["journal_mode"] == "wal"
    assert conversation["synchronous"] == 1  # NORMAL, as the web app's (storage/sqlite_pragmas.py)


def test_windowed_store_sends_previous_question(conversation: dict[str, list[str]]) -> None:
    previous = conversation["previous"]
    assert previous[0] is None
    assert previous[1:3] == ["question 1", "question 2"]
    assert previous[3] == "question 3 de [adresse électronique]"  # read back from the store
    assert previous[4:] == [f"question {turn}" for turn in range(4, TURNS)]


def test_windowed_store_keeps_the_messages_redacted(conversation: dict[str, list[str]]) -> None:
    texts = conversation["stored_texts"]
    assert texts[2] == "question 3 de [adresse électronique]"
    assert not any("jean.dupont" in text for text in texts)


def test_tracker_store_contact_slots_are_the_forms_e_mails() -> None:
    """The slots kept as typed are the domain's e-mail slots the support actions read."""
    import yaml

    from actions.support_context import EMAIL_SLOT, LAST_EMAIL_SLOT, TICKET_EMAIL_SLOT

    source = (REPO_ROOT / "nlu_components" / "redacting_tracker_store.py").read_text("utf-8")
    declared = yaml.safe_load((REPO_ROOT / "domain" / "support.yml").read_text("utf-8"))
    expected = {EMAIL_SLOT, TICKET_EMAIL_SLOT, LAST_EMAIL_SLOT}
    assert expected <= set(declared["slots"])
    for name in expected:
        assert f'"{name}"' in source


SAME_ROWS_SCRIPT = """
import asyncio, json, sqlite3, sys
from rasa.core.tracker_store import (AwaitableTrackerStore, FailSafeTrackerStore,
                                     SQLTrackerStore)
from rasa.shared.core.domain import Domain
from rasa.core.tracker_store import (AwaitableTrackerStore, FailSafeTrackerStore,
                                     SQLTrackerStore)
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                     UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker
from nlu_components.windowed_tracker_store import WindowedSQLTrackerStore

first = [ActionExecuted("action_listen"),
         UserUttered("c'est payant ?", {"name": "ask_question", "confidence": 0.9})]
then = [ActionExecuted("action_answer_question"), BotUttered("Non, c'est gratuit."),
        SlotSet("kb_entry_id", "faq-1"), ActionExecuted("action_listen")]

async def store_in(store_class, db):
    domain = Domain.load("domain")
    store = store_class(domain, dialect="sqlite", db=db)
    tracker = DialogueStateTracker.from_events("s1", first, domain.slots)
    await store.save(tracker)
    for event in then:
        tracker.update(event)
    await store.save(tracker)
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events ORDER BY id").fetchall()

async def main(folder):
    rasa = await store_in(SQLTrackerStore, folder + "/rasa.db")
    ours = await store_in(WindowedSQLTrackerStore, folder + "/ours.db")
    print(json.dumps({"rasa": rasa, "ours": ours}))

asyncio.run(main(sys.argv[1]))
"""


def test_windowed_store_writes_the_rows_rasa_writes(tmp_path: Path) -> None:
    rows = run_in_rasa_env(SAME_ROWS_SCRIPT, str(tmp_path))
    assert len(rows["rasa"]) == 6
    assert rows["ours"] == rows["rasa"]

"""Content gaps with the real embedder and index (built by ``make index``): 50 seeded
abstained questions of one topic among unrelated ones form one group with the right nearest
entry; which turns are questions; « traitée » marks and how later groups match them."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.orm import Session

from support_tickets import gaps
from support_tickets.gaps import GapInputError, find_gaps, mark_treated, select_questions
from support_tickets.gaps_index import get_knowledge_index
from support_tickets.models import Agent
from tests.support_tickets import gaps_data as data

pytestmark = pytest.mark.usefixtures("no_gap_marks")


@pytest.fixture
def seeded(db: Session) -> data.Seeded:
    return data.seed(db)


def test_gaps_group_of_50_seeded_questions(db: Session, seeded: data.Seeded) -> None:
    report = find_gaps(db, seeded.filters, get_knowledge_index())
    assert report.question_count == len(data.TOPIC) + len(data.noise())
    biggest = report.open[0]
    assert biggest.count == 50
    assert {q.turn_id for q in biggest.questions} == set(seeded.topic_ids)
    assert all(g.count < 50 for g in report.open[1:])
    assert biggest.central in data.TOPIC
    assert len(biggest.examples()) == gaps.EXAMPLES_SHOWN
    assert set(biggest.examples()) <= set(data.TOPIC)
    # The entry that answers the topic is among the 3 shown (its rank among them moves with
    # the embedder, re-fitted whenever the content changes).
    assert data.TOPIC_ENTRY in [n.entry.id for n in biggest.nearest]
    assert all(n.entry.url.startswith("/docs/") for n in biggest.nearest)
    assert len(biggest.nearest) == 3
    assert biggest.reasons()[0] == ("sans réponse", 50)


def test_gaps_draft_url_carries_central_question_and_wordings(
    db: Session, seeded: data.Seeded
) -> None:
    group = find_gaps(db, seeded.filters, get_knowledge_index()).open[0]
    url = urlsplit(group.draft_url)
    query = parse_qs(url.query)
    assert url.path == "/console/brouillons/nouveau"
    assert query["question"] == [group.central]
    assert query["wording"] == group.examples()[1:]


def test_gaps_select_questions_reasons(db: Session) -> None:
    page = f"/lacunes-choix-{uuid.uuid4().hex[:8]}"
    add = data.add_turn
    add(db, page, "Question répondue et appréciée", kb=data.ANSWER, feedback="positive")
    disliked = add(db, page, "Réponse jugée mauvaise", kb=data.ANSWER, feedback="negative")
    conversation = uuid.uuid4().hex
    asked = add(db, page, "Question avant la demande d'un conseiller", session_id=conversation)
    add(db, page, "je veux parler à un humain", session_id=conversation, intent="ask_human")
    add(db, page, "un conseiller svp", intent="ask_human")  # nothing asked before: left out
    add(db, page, "Question pendant une panne", kb=data.ABSTAIN, outcome="unavailable")
    abstained = add(db, page, "Question sans réponse", kb=data.ABSTAIN, feedback="negative")
    db.commit()
    questions, truncated = select_questions(db, data.period(page))
    found = {q.turn_id: q.reasons for q in questions}
    assert found == {
        disliked.id: {"negative"},
        asked.id: {"escalated"},
        abstained.id: {"abstained", "negative"},
    }
    assert truncated is False


def test_gaps_mark_treated_lists_group_apart(
    db: Session, seeded: data.Seeded, supervisor: Agent
) -> None:
    index = get_knowledge_index()
    key = str(find_gaps(db, seeded.filters, index).open[0].key)
    mark = mark_treated(db, seeded.filters, key, data.TOPIC_ENTRY, supervisor, index)
    assert (mark.entry_id, mark.question_count, mark.marked_by) == (
        data.TOPIC_ENTRY,
        50,
        supervisor.name,
    )
    report = find_gaps(db, seeded.filters, index)
    assert all(g.count != 50 for g in report.open)
    [treated] = [g for g in report.treated if g.count == 50]
    assert treated.resolution is not None and treated.resolution.id == mark.id
    assert treated.asked_since == 0


def test_gaps_treated_group_reopens_when_asked_again(
    db: Session, seeded: data.Seeded, supervisor: Agent
) -> None:
    index = get_knowledge_index()
    key = str(find_gaps(db, seeded.filters, index).open[0].key)
    mark_treated(db, seeded.filters, key, data.TOPIC_ENTRY, supervisor, index)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    for text in data.TOPIC_BASE[: gaps.REOPEN_QUESTIONS - 1]:
        data.add_turn(db, seeded.page, text, kb=data.ABSTAIN, at=later)
    db.commit()
    still = [g for g in find_gaps(db, seeded.filters, index).treated if g.count > 50]
    assert still and still[0].asked_since == gaps.REOPEN_QUESTIONS - 1
    data.add_turn(db, seeded.page, data.TOPIC_BASE[-1], kb=data.ABSTAIN, at=later)
    db.commit()
    report = find_gaps(db, seeded.filters, index)
    [reopened] = [g for g in report.open if g.count > 50]
    assert reopened.resolution is not None
    assert reopened.asked_since == gaps.REOPEN_QUESTIONS


def test_gaps_mark_refuses_unknown_entry_and_group(
    db: Session, seeded: data.Seeded, supervisor: Agent
) -> None:
    index = get_knowledge_index()
    key = str(find_gaps(db, seeded.filters, index).open[0].key)
    with pytest.raises(GapInputError, match="n'existe pas dans la base"):
        mark_treated(db, seeded.filters, key, "entree-inventee", supervisor, index)
    with pytest.raises(GapInputError, match="Indiquez l'identifiant"):
        mark_treated(db, seeded.filters, key, "  ", supervisor, index)
    for bad_key in ("0", "abc", "9" * 30):
        with pytest.raises(GapInputError, match="n'existe plus"):
            mark_treated(db, seeded.filters, bad_key, data.TOPIC_ENTRY, supervisor, index)

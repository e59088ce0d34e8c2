"""Incidents: similar tickets of different requesters grouped within the time window (not
outside it, not unrelated texts, not one requester alone), and an answer sent once to
every ticket of the incident through the individual reply's path."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import make_engine
from storage.migrate import upgrade
from support_tickets import service
from support_tickets.config import get_support_settings
from support_tickets.errors import TicketValidationError
from support_tickets.incident_evidence import OTHER_REQUESTS, separation
from support_tickets.incident_replies import answer_incident, incident_tickets
from support_tickets.incidents import INCIDENT_OPEN, INCIDENT_RESOLVED, Group, assign_groups
from support_tickets.models import Agent, Incident, OutboxMessage, Ticket, TicketMessage, utcnow
from support_tickets.similarity import LexicalSimilarity
from support_tickets.taxonomy import STATUS_CLOSED, STATUS_RESOLVED
from tests.support_tickets.conftest import unique_email

# One problem, as users report it (the code makes each test's problem a new one).
REPORTS = (
    "Le dépôt de ma facture échoue avec l'erreur {code} « service indisponible » ce matin.",
    "Depuis ce matin, impossible de déposer une facture : erreur {code} service indisponible.",
    "Erreur {code} service indisponible au moment de déposer ma facture.",
    "Dépôt de facture impossible, le portail affiche l'erreur {code} service indisponible.",
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    """A database of its own for each test: what is grouped depends on every recent ticket."""
    url = f"sqlite:///{tmp_path / 'incidents.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def reports(count: int = 3) -> list[str]:
    code = f"E{uuid.uuid4().hex[:8]}"
    return [REPORTS[i % len(REPORTS)].format(code=code) for i in range(count)]


def create(db: Session, description: str, email: str | None = None, **extra: str) -> Ticket:
    return service.create_ticket(
        db, email=email or unique_email(), category="factures", description=description, **extra
    )


def age(db: Session, ticket: Ticket, hours: float) -> None:
    """Move ``ticket``'s creation ``hours`` into the past."""
    when = utcnow() - dt.timedelta(hours=hours)
    db.execute(update(Ticket).where(Ticket.id == ticket.id).values(created_at=when))
    db.commit()


def incident_ids(db: Session, tickets: list[Ticket]) -> list[int | None]:
    for ticket in tickets:
        db.refresh(ticket)
    return [t.incident_id for t in tickets]


def test_incident_groups_similar_tickets_of_different_emails(db: Session) -> None:
    tickets = [create(db, text) for text in reports(3)]
    ids = incident_ids(db, tickets)
    assert ids[0] is not None and len(set(ids)) == 1
    incident = db.get(Incident, ids[0])
    assert incident is not None and incident.status == INCIDENT_OPEN
    assert (incident.ticket_count, incident.requester_count) == (3, 3)
    assert incident.description == tickets[0].description
    assert [e.kind for e in tickets[0].events][-1] == "incident"


def test_incident_new_report_joins_existing_incident(db: Session) -> None:
    texts = reports(4)
    first = [create(db, text) for text in texts[:3]]
    late = create(db, texts[3])
    assert incident_ids(db, [*first, late]) == [first[0].incident_id] * 4
    incident = db.get(Incident, late.incident_id)
    assert incident is not None and incident.ticket_count == 4


def test_incident_groups_reports_within_the_window(db: Session) -> None:
    window = get_support_settings().incident_window_hours
    texts = reports(3)
    early = create(db, texts[0])
    age(db, early, window - 1)
    tickets = [early, create(db, texts[1]), create(db, texts[2])]
    ids = incident_ids(db, tickets)
    assert ids[0] is not None and len(set(ids)) == 1


def test_incident_does_not_group_reports_outside_the_window(db: Session) -> None:
    window = get_support_settings().incident_window_hours
    texts = reports(3)
    old = create(db, texts[0])
    age(db, old, window + 1)
    tickets = [old, create(db, texts[1]), create(db, texts[2])]
    assert incident_ids(db, tickets) == [None, None, None]


def test_incident_not_joined_after_its_window(db: Session) -> None:
    window = get_support_settings().incident_window_hours
    texts = reports(4)
    first = [create(db, text) for text in texts[:3]]
    incident = db.get(Incident, incident_ids(db, first)[0] or 0)
    assert incident is not None
    for ticket in first:
        age(db, ticket, window + 1)
    incident.last_ticket_at = utcnow() - dt.timedelta(hours=window + 1)
    db.commit()
    late = create(db, texts[3])
    assert incident_ids(db, [late]) == [None]


def test_incident_does_not_group_unrelated_texts(db: Session) -> None:
    code = uuid.uuid4().hex[:8]
    tickets = [create(db, f"{text} (dossier {code})") for text in OTHER_REQUESTS[:4]]
    assert incident_ids(db, tickets) == [None] * 4


def test_incident_needs_several_requesters(db: Session) -> None:
    email = unique_email()
    tickets = [create(db, text, email) for text in reports(3)]
    assert incident_ids(db, tickets) == [None, None, None]


def test_assign_groups_joins_most_similar_group_within_window() -> None:
    """The greedy pass itself: ticket 2 joins ticket 0's group (similar, in the window);
    ticket 3 is similar to ticket 0 but too late for it; ticket 1 is unrelated."""
    now = utcnow()
    at = [now, now, now + dt.timedelta(hours=1), now + dt.timedelta(hours=10)]
    tickets = [Ticket(description=str(i), created_at=when) for i, when in enumerate(at)]
    matrix = np.array(
        [[1, 0, 0.9, 0.9], [0, 1, 0.1, 0], [0.9, 0.1, 1, 0.2], [0.9, 0, 0.2, 1]],
        dtype=np.float32,
    )
    groups: list[Group] = []
    groups = assign_groups(matrix, groups, tickets, threshold=0.5, window_s=5 * 3600)
    members = [[t.description for t in g.members] for g in groups]
    assert members == [["0", "2"], ["1"], ["3"]]


def test_incident_threshold_separates_the_evidence() -> None:
    threshold = get_support_settings().incident_min_similarity
    found = separation(LexicalSimilarity())
    assert found.wrong_at_least(threshold) == 0
    assert found.share_at_least(threshold) >= 0.9


def test_answer_incident_replies_on_every_ticket_once(db: Session, agent: Agent) -> None:
    texts = reports(3)
    tickets = [create(db, text, chat_session_id=f"chat-{uuid.uuid4().hex}") for text in texts]
    incident = db.get(Incident, incident_ids(db, tickets)[0])
    assert incident is not None
    text = "Le dépôt fonctionne de nouveau : merci de réessayer."

    answer = answer_incident(db, incident, agent=agent, text=text, status=STATUS_RESOLVED)

    assert (answer.answered, answer.skipped) == (3, [])
    assert incident.status == INCIDENT_RESOLVED and incident.reply_count == 1
    for ticket in incident_tickets(db, incident):
        db.refresh(ticket)
        assert ticket.status == STATUS_RESOLVED and ticket.first_response_at is not None
        assert [e.kind for e in ticket.events][-3:] == ["reponse", "statut", "statut"]
        widget = service.public_replies_for_chat_session(db, str(ticket.chat_session_id))
        assert [m.body for m in widget] == [text]
        mails = db.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id))
        assert sum(text in m.body for m in mails) == 1


def test_answer_incident_skips_closed_and_moves_each_through_state_machine(
    db: Session, agent: Agent
) -> None:
    tickets = [create(db, text) for text in reports(3)]
    incident = db.get(Incident, incident_ids(db, tickets)[0])
    assert incident is not None
    service.change_status(db, tickets[0], agent=agent, status=STATUS_CLOSED)
    service.change_status(db, tickets[1], agent=agent, status="en_attente_usager")

    answer = answer_incident(
        db, incident, agent=agent, text="Nous enquêtons.", status="en_attente_usager"
    )

    assert answer.answered == 2
    replies = db.scalars(select(TicketMessage).where(TicketMessage.ticket_id == tickets[0].id))
    assert all(m.author_type != "agent" for m in replies)
    assert [t.status for t in tickets] == [STATUS_CLOSED, "en_attente_usager", "en_attente_usager"]
    assert incident.status == INCIDENT_OPEN


def test_answer_incident_refuses_unknown_status_and_empty_text(db: Session, agent: Agent) -> None:
    tickets = [create(db, text) for text in reports(3)]
    incident = db.get(Incident, incident_ids(db, tickets)[0])
    assert incident is not None
    with pytest.raises(TicketValidationError):
        answer_incident(db, incident, agent=agent, text="Bonjour", status="clos")
    with pytest.raises(TicketValidationError):
        answer_incident(db, incident, agent=agent, text="   ")
    assert incident.reply_count == 0
    assert all(not [m for m in t.messages if m.author_type == "agent"] for t in tickets)

"""Retention of the support desk: the tickets ended longer ago than ``ticket_retention_days``
go with every row that hangs off them, and nothing else does; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.db import make_engine
from storage.migrate import upgrade
from support_tickets.config import SupportSettings
from support_tickets.models import (
    Incident,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from support_tickets.retention import (
    purge_expired_tickets,
    retention_label,
    ticket_retention_cutoff,
)
from tests.postgres import throwaway_database

NOW = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)
DAYS = 1095  # written out: the default the « Données personnelles » page states as 3 years
OLD = NOW - dt.timedelta(days=DAYS + 30)  # ended before the cut-off
RECENT = NOW - dt.timedelta(days=DAYS - 30)  # ended after it


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A freshly migrated database of each kind (PostgreSQL: a throw-away database)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('tickets') / 'tickets.db'}"
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    with throwaway_database("retention") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def _ticket(
    session: Session,
    status: str,
    *,
    closed_at: dt.datetime | None = None,
    resolved_at: dt.datetime | None = None,
    created_at: dt.datetime = OLD - dt.timedelta(days=10),
    **fields: object,
) -> Ticket:
    """A ticket with a transcript message, a reply, an event and an e-mail."""
    ticket = Ticket(
        number=f"SUP-T-{uuid.uuid4().hex[:12]}",
        status=status,
        category="autre",
        email=f"usager.{uuid.uuid4().hex[:6]}@exemple.fr",
        description=f"Ma demande {uuid.uuid4().hex[:6]} au sujet de mon compte.",
        chat_session_id=f"chat-{uuid.uuid4().hex[:12]}",
        created_at=created_at,
        closed_at=closed_at,
        resolved_at=resolved_at,
        **fields,
    )
    ticket.messages = [
        TicketMessage(author_type="user", in_transcript=True, body="Bonjour, mon compte ?"),
        TicketMessage(author_type="agent", body="Voici la réponse."),
    ]
    ticket.events = [TicketEvent(actor="usager", kind="creation", detail={})]
    session.add(ticket)
    session.flush()
    session.add(
        OutboxMessage(ticket_id=ticket.id, recipient=ticket.email, subject="Réponse", body="…")
    )
    session.commit()
    return ticket


def _incident(session: Session, tickets: list[Ticket]) -> Incident:
    incident = Incident(
        status="resolu",
        description=tickets[0].description,
        ticket_count=len(tickets),
        requester_count=len(tickets),
        first_ticket_at=tickets[0].created_at,
        last_ticket_at=tickets[-1].created_at,
    )
    session.add(incident)
    session.flush()
    for ticket in tickets:
        ticket.incident_id = incident.id
    session.commit()
    return incident


def _purge(session: Session) -> None:
    purge_expired_tickets(session, now=NOW, days=DAYS)


def _exists(session: Session, ticket_id: int) -> bool:
    return session.get(Ticket, ticket_id) is not None


def _rows(session: Session, ticket: Ticket) -> tuple[int, int, int]:
    """(messages, events, e-mails) of ``ticket`` still stored (its e-mails found by their
    recipient, so one left behind without its ticket is counted too)."""
    count = select(func.count())
    return (
        session.scalar(count.where(TicketMessage.ticket_id == ticket.id)) or 0,
        session.scalar(count.where(TicketEvent.ticket_id == ticket.id)) or 0,
        session.scalar(count.where(OutboxMessage.recipient == ticket.email)) or 0,
    )


def test_retention_due_closed_ticket_goes_with_all_its_rows(session: Session) -> None:
    due = _ticket(session, "clos", closed_at=OLD, resolved_at=OLD)
    assert _rows(session, due) == (2, 1, 1)
    _purge(session)
    assert not _exists(session, due.id)
    assert _rows(session, due) == (0, 0, 0)


def test_retention_closed_recently_is_kept(session: Session) -> None:
    kept = _ticket(session, "clos", closed_at=RECENT, resolved_at=OLD)  # closure counts
    _purge(session)
    assert _exists(session, kept.id) and _rows(session, kept) == (2, 1, 1)


def test_retention_old_but_open_tickets_are_kept(session: Session) -> None:
    long_ago = NOW - dt.timedelta(days=10 * DAYS)
    open_ids = [
        _ticket(session, status, created_at=long_ago).id
        for status in ("nouveau", "en_cours", "en_attente_usager")
    ]
    # Resolved long ago, then reopened by the user: open again, kept.
    reopened = _ticket(session, "en_cours", created_at=long_ago, resolved_at=OLD)
    _purge(session)
    assert all(_exists(session, i) for i in [*open_ids, reopened.id])
    assert _rows(session, reopened) == (2, 1, 1)


def test_retention_resolved_ticket_counts_from_its_resolution(session: Session) -> None:
    due = _ticket(session, "resolu", resolved_at=OLD)
    recent = _ticket(session, "resolu", resolved_at=RECENT)
    _purge(session)
    assert not _exists(session, due.id) and _exists(session, recent.id)


def test_retention_cutoff_is_exactly_the_retention(session: Session) -> None:
    cutoff = ticket_retention_cutoff(NOW, DAYS)
    assert cutoff == NOW - dt.timedelta(days=DAYS)
    on_the_day = _ticket(session, "clos", closed_at=cutoff)
    just_before = _ticket(session, "clos", closed_at=cutoff - dt.timedelta(seconds=1))
    _purge(session)
    assert _exists(session, on_the_day.id) and not _exists(session, just_before.id)


def test_retention_incident_keeps_its_other_tickets(session: Session) -> None:
    due = _ticket(session, "clos", closed_at=OLD)
    kept = _ticket(session, "clos", closed_at=RECENT, created_at=OLD)
    incident = _incident(session, [due, kept])
    _purge(session)
    session.expire_all()
    left = session.get(Incident, incident.id)
    assert left is not None and _exists(session, kept.id) and not _exists(session, due.id)
    assert (left.ticket_count, left.requester_count) == (1, 1)
    assert left.description == kept.description  # the purged ticket's words went with it


def test_retention_incident_left_without_tickets_goes(session: Session) -> None:
    tickets = [_ticket(session, "clos", closed_at=OLD) for _ in range(2)]
    incident = _incident(session, tickets)
    _purge(session)
    assert session.get(Incident, incident.id) is None


def test_retention_ticket_linked_to_a_purged_one_is_kept_unlinked(session: Session) -> None:
    due = _ticket(session, "clos", closed_at=OLD)
    duplicate = _ticket(session, "clos", closed_at=RECENT, duplicate_of_id=due.id)
    _purge(session)
    session.expire_all()
    left = session.get(Ticket, duplicate.id)
    assert left is not None and left.duplicate_of_id is None
    assert _rows(session, duplicate) == (2, 1, 1)


def test_retention_ticket_merged_into_open_ticket_is_kept(session: Session) -> None:
    target = _ticket(session, "en_cours")
    source = _ticket(session, "clos", closed_at=OLD, merged_into_id=target.id)
    closed_target = _ticket(session, "clos", closed_at=RECENT)
    merged_into_closed = _ticket(session, "clos", closed_at=OLD, merged_into_id=closed_target.id)
    _purge(session)
    assert _exists(session, source.id) and _exists(session, target.id)
    assert not _exists(session, merged_into_closed.id) and _exists(session, closed_target.id)


def test_retention_default_is_three_years_and_said_in_french() -> None:
    assert SupportSettings.model_fields["ticket_retention_days"].default == 1095
    assert SupportSettings(ticket_retention_days=400).ticket_retention_days == 400
    assert retention_label(1095) == "3 ans"
    assert retention_label(365) == "1 an"
    assert retention_label(400) == "400 jours"
    assert retention_label(1) == "1 jour"

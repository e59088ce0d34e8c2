"""E-mails: recorded without SMTP, sent through SMTP when configured; canned responses."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from support_tickets import canned, outbox, service
from support_tickets.config import SupportSettings
from support_tickets.models import Agent, OutboxMessage, Ticket
from tests.support_tickets.conftest import unique_email


class FakeSMTP:
    sent: list[EmailMessage] = []
    fail = False

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port = host, port

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def starttls(self) -> None:
        pass

    def login(self, user: str, password: str) -> None:
        pass

    def send_message(self, message: EmailMessage) -> None:
        if FakeSMTP.fail:
            raise OSError("connexion refusée")
        FakeSMTP.sent.append(message)


def test_outbox_sends_pending_with_smtp(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = SupportSettings(smtp_host="smtp.exemple.fr")
    monkeypatch.setattr("support_tickets.outbox.get_support_settings", lambda: settings)
    monkeypatch.setattr("support_tickets.service.get_support_settings", lambda: settings)
    monkeypatch.setattr("support_tickets.outbox.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.fail = [], True
    ticket = service.create_ticket(
        db, email=unique_email(), category="autre", description="Une demande avec e-mail envoyé."
    )
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)).one()
    assert row.status == "pending"
    assert outbox.deliver_pending(db, settings) == 0
    db.refresh(row)
    assert row.status == "pending" and row.attempts == 1 and "refusée" in (row.error or "")
    FakeSMTP.fail = False
    assert outbox.deliver_pending(db, settings) >= 1
    db.refresh(row)
    assert row.status == "sent" and row.sent_at is not None
    mail = next(m for m in FakeSMTP.sent if m["To"] == ticket.email)
    assert ticket.number in mail["Subject"]


def test_outbox_without_smtp_is_the_record(db: Session) -> None:
    assert outbox.deliver_pending(db, SupportSettings(smtp_host=None)) == 0


def test_canned_render_fills_variables_and_keeps_unknown(agent: Agent) -> None:
    ticket = Ticket(
        number="SUP-2026-000042",
        category="tic_ticgn",
        email="a@b.fr",
        description="x" * 20,
        requester_name="Marc Dubois",
        reference="TIC-2026-1",
    )
    text = canned.render(
        "{prenom} {nom} {numero_ticket} {categorie} {reference} {agent} {x}", ticket, agent
    )
    assert text == (
        f"Marc Dubois SUP-2026-000042 Remboursement TIC/TICGN TIC-2026-1 {agent.name} {{x}}"
    )
    anonymous = Ticket(
        number="SUP-2026-000043", category="autre", email="a@b.fr", description="x" * 20
    )
    assert canned.render("Bonjour {prenom},", anonymous).startswith("Bonjour Madame, Monsieur")


def test_seed_canned_responses_is_idempotent(db: Session) -> None:
    assert canned.seed_canned_responses(db) == 0  # seeded by the session fixture
    keys = {c.key for c in canned.list_canned(db)}
    assert {"accuse_reception", "precisions", "resolution"} <= keys
    for item in canned.CANNED_RESPONSES:
        assert "{prenom}" in item["body"]

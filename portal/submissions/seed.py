"""Demo submissions with their status history, for the demo accounts (idempotent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from portal.submissions import service
from portal.submissions.states import Kind, Status


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class DemoSubmission:
    reference: str
    kind: Kind
    owner_email: str
    amount: Decimal
    transmitted_at: dt.datetime
    siret: str | None = None
    events: tuple[tuple[Status, dt.datetime, str | None], ...] = field(default_factory=tuple)


DEMO_SIRET_EMAIL = "demo.siret@exemple.fr"
DEMO_NO_SIRET_EMAIL = "demo.sans-siret@exemple.fr"
DEMO_SIRET = "88234567800016"

DEMO_SUBMISSIONS: tuple[DemoSubmission, ...] = (
    DemoSubmission(
        "MJ-2026-000123",
        Kind.MEMOIRE_JUSTICE,
        DEMO_NO_SIRET_EMAIL,
        Decimal("486.50"),
        _at("2026-10-05T09:12:00"),
        events=(
            (Status.RECU, _at("2026-10-07T14:00:00"), None),
            (Status.EN_COURS, _at("2026-11-02T10:30:00"), None),
        ),
    ),
    DemoSubmission(
        "MJ-2026-000087",
        Kind.MEMOIRE_JUSTICE,
        DEMO_NO_SIRET_EMAIL,
        Decimal("1250.00"),
        _at("2026-06-18T16:40:00"),
        events=(
            (Status.RECU, _at("2026-06-20T08:00:00"), None),
            (Status.EN_COURS, _at("2026-07-01T09:00:00"), None),
            (
                Status.REJETE,
                _at("2026-07-09T11:15:00"),
                "la réquisition du magistrat n'est pas jointe au mémoire",
            ),
        ),
    ),
    DemoSubmission(
        "MJ-2025-004512",
        Kind.MEMOIRE_JUSTICE,
        DEMO_NO_SIRET_EMAIL,
        Decimal("312.80"),
        _at("2025-11-03T10:00:00"),
        events=(
            (Status.RECU, _at("2025-11-04T09:00:00"), None),
            (Status.EN_COURS, _at("2025-11-20T09:00:00"), None),
            (Status.VALIDE, _at("2025-12-01T15:00:00"), None),
            (Status.MIS_EN_PAIEMENT, _at("2025-12-10T08:00:00"), None),
            (Status.PAYE, _at("2025-12-15T08:00:00"), None),
        ),
    ),
    DemoSubmission(
        "TIC-2026-000042",
        Kind.REMBOURSEMENT_TIC_TICGN,
        DEMO_SIRET_EMAIL,
        Decimal("2140.00"),
        _at("2026-09-14T11:00:00"),
        siret=DEMO_SIRET,
        events=(
            (Status.RECU, _at("2026-09-15T09:00:00"), None),
            (Status.EN_COURS, _at("2026-10-01T09:00:00"), None),
            (
                Status.SUSPENDU,
                _at("2026-10-20T14:20:00"),
                "les factures de gazole non routier de mars sont illisibles",
            ),
        ),
    ),
    DemoSubmission(
        "FA-2026-000012",
        Kind.FACTURE,
        DEMO_SIRET_EMAIL,
        Decimal("3600.00"),
        _at("2026-08-28T10:00:00"),
        siret=DEMO_SIRET,
        events=(
            (Status.RECU, _at("2026-08-29T09:00:00"), None),
            (Status.EN_COURS, _at("2026-09-04T09:00:00"), None),
            (Status.VALIDE, _at("2026-09-25T16:00:00"), None),
            (Status.MIS_EN_PAIEMENT, _at("2026-10-02T08:00:00"), None),
        ),
    ),
)


def seed_demo_submissions(session: Session) -> int:
    """Create the missing demo submissions and events; returns how many were created."""
    created = 0
    for demo in DEMO_SUBMISSIONS:
        outcome = service.create_submission(
            session,
            reference=demo.reference,
            kind=demo.kind,
            owner_email=demo.owner_email,
            amount=demo.amount,
            transmitted_at=demo.transmitted_at,
            siret=demo.siret,
        )
        created += outcome.created
        for status, occurred_at, reason in demo.events:
            service.add_status_event(
                session,
                reference=demo.reference,
                status=status,
                occurred_at=occurred_at,
                reason=reason,
            )
    return created

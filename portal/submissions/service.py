"""Portal feed: create submissions and apply status events (state machine, idempotency)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts import repository as accounts
from portal.submissions import repository
from portal.submissions.dates import add_years, as_utc
from portal.submissions.models import RETENTION_YEARS, Submission, SubmissionEvent
from portal.submissions.references import normalise_reference
from portal.submissions.states import (
    INITIAL_STATUS,
    KIND_LABELS,
    Kind,
    Status,
    TransitionError,
    check_transition,
)

logger = logging.getLogger(__name__)

PREFIX_KINDS: dict[str, Kind] = {
    "MJ": Kind.MEMOIRE_JUSTICE,
    "TIC": Kind.REMBOURSEMENT_TIC_TICGN,
    "FA": Kind.FACTURE,
    "AV": Kind.AVOIR,
}


def kind_of(reference: str) -> Kind | None:
    """The kind a canonical reference's prefix stands for
    (:mod:`portal.submissions.references`)."""
    return PREFIX_KINDS.get(reference.split("-", 1)[0])


class SubmissionError(Exception):
    """A refused feed operation; ``code`` is ``invalid``, ``not_found`` or ``conflict``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Outcome:
    submission: Submission
    created: bool


def _reference(raw: str) -> str:
    reference = normalise_reference(raw)
    if reference is None:
        raise SubmissionError(
            "invalid",
            f"La référence « {raw} » n'a pas un format reconnu (par exemple MJ-2024-000123).",
        )
    return reference


def create_submission(
    session: Session,
    *,
    reference: str,
    kind: Kind,
    owner_email: str,
    amount: Decimal,
    transmitted_at: dt.datetime,
    siret: str | None = None,
) -> Outcome:
    """Create a submission at status « transmis »; resending the same one is a no-op."""
    canonical = _reference(reference)
    prefix_kind = kind_of(canonical)
    if prefix_kind is not None and prefix_kind != kind:
        raise SubmissionError(
            "invalid",
            f"La référence {canonical} ne correspond pas au type « {KIND_LABELS[kind]} » : "
            f"elle désigne le type « {KIND_LABELS[prefix_kind]} ».",
        )
    owner = accounts.get_by_email(session, owner_email)
    if owner is None:
        raise SubmissionError("invalid", "Aucun compte du portail ne porte cette adresse.")
    transmitted = as_utc(transmitted_at)
    existing = repository.get_by_reference(session, canonical)
    if existing is not None:
        return _same_or_conflict(existing, kind, owner.id, amount, transmitted, siret)
    submission = Submission(
        reference=canonical,
        kind=kind.value,
        owner_id=owner.id,
        siret=siret,
        amount=amount,
        transmitted_at=transmitted,
        viewable_until=add_years(transmitted, RETENTION_YEARS),
        status=INITIAL_STATUS.value,
        status_reason=None,
        status_at=transmitted,
    )
    submission.events.append(
        SubmissionEvent(status=INITIAL_STATUS.value, reason=None, occurred_at=transmitted)
    )
    repository.add(session, submission)
    try:
        session.commit()
    except IntegrityError:  # created concurrently by a resent request
        session.rollback()
        existing = repository.get_by_reference(session, canonical)
        if existing is None:
            raise
        return _same_or_conflict(existing, kind, owner.id, amount, transmitted, siret)
    logger.info("submissions.created reference=%s kind=%s", canonical, kind.value)
    return Outcome(submission, created=True)


def _same_or_conflict(
    existing: Submission,
    kind: Kind,
    owner_id: int,
    amount: Decimal,
    transmitted: dt.datetime,
    siret: str | None,
) -> Outcome:
    same = (
        existing.kind == kind.value
        and existing.owner_id == owner_id
        and Decimal(existing.amount) == Decimal(amount)
        and as_utc(existing.transmitted_at) == transmitted
        and existing.siret == siret
    )
    if not same:
        raise SubmissionError(
            "conflict",
            f"Un autre formulaire porte déjà la référence {existing.reference}.",
        )
    return Outcome(existing, created=False)


def add_status_event(
    session: Session,
    *,
    reference: str,
    status: Status,
    occurred_at: dt.datetime,
    reason: str | None = None,
) -> Outcome:
    """Apply a status change; a resent event (same status and date) changes nothing."""
    canonical = _reference(reference)
    submission = repository.get_by_reference(session, canonical)
    if submission is None:
        raise SubmissionError("not_found", f"Aucun formulaire ne porte la référence {canonical}.")
    occurred = as_utc(occurred_at)
    reason = reason.strip() if reason and reason.strip() else None
    for event in submission.events:
        if event.status == status.value and as_utc(event.occurred_at) == occurred:
            return Outcome(submission, created=False)
    current = Status(submission.status)
    if current == status and submission.status_reason == reason:
        return Outcome(submission, created=False)
    try:
        check_transition(current, status, reason)
    except TransitionError as exc:
        raise SubmissionError("conflict", exc.message) from exc
    if occurred < as_utc(submission.status_at):
        raise SubmissionError(
            "conflict",
            "La date de l'événement est antérieure à celle du statut actuel du formulaire.",
        )
    submission.events.append(
        SubmissionEvent(status=status.value, reason=reason, occurred_at=occurred)
    )
    submission.status = status.value
    submission.status_reason = reason
    submission.status_at = occurred
    try:
        session.commit()
    except IntegrityError:  # the same event applied concurrently
        session.rollback()
        session.expire_all()
        submission = repository.get_by_reference(session, canonical)
        if submission is None:
            raise
        return Outcome(submission, created=False)
    logger.info("submissions.status reference=%s status=%s", canonical, status.value)
    return Outcome(submission, created=True)

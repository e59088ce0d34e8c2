"""Database access for submissions. Every read for a user filters on the owner in SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import PortalUser
from portal.submissions.models import Submission, SubmissionEvent


def get_by_reference(session: Session, reference: str) -> Submission | None:
    return session.scalars(
        select(Submission).where(Submission.reference == reference)
    ).one_or_none()


def find_for_owner(session: Session, owner_sub: str, reference: str) -> Submission | None:
    """The submission ``reference`` if it belongs to the account ``owner_sub``, else None.

    One query for both « unknown » and « someone else's »: the caller cannot tell them apart.
    """
    return session.scalars(
        select(Submission)
        .join(PortalUser, Submission.owner_id == PortalUser.id)
        .where(Submission.reference == reference, PortalUser.public_id == owner_sub)
    ).one_or_none()


def latest_for_owner(session: Session, owner_sub: str, limit: int) -> list[Submission]:
    """The account's submissions, most recently changed first."""
    return list(
        session.scalars(
            select(Submission)
            .join(PortalUser, Submission.owner_id == PortalUser.id)
            .where(PortalUser.public_id == owner_sub)
            .order_by(Submission.status_at.desc(), Submission.id.desc())
            .limit(limit)
        )
    )


def add(session: Session, submission: Submission) -> None:
    session.add(submission)


def add_event(session: Session, event: SubmissionEvent) -> None:
    session.add(event)

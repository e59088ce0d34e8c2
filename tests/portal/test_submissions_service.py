"""Submissions service on SQLite and PostgreSQL: creation, status events, idempotency,
refused transitions, ownership, the 10-year retention date and the demo seed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from portal.accounts.repository import create_user
from portal.accounts.seed import seed_demo
from portal.submissions import repository
from portal.submissions.dates import as_utc
from portal.submissions.seed import DEMO_NO_SIRET_EMAIL, DEMO_SUBMISSIONS
from portal.submissions.service import SubmissionError, add_status_event, create_submission
from portal.submissions.states import Kind, Status
from storage.db import make_engine
from storage.migrate import upgrade
from tests.postgres import throwaway_database

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A freshly migrated database of each kind (PostgreSQL: a throw-away database)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('subs') / 'subs.db'}"
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    with throwaway_database() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    with Session(engine, expire_on_commit=False) as session:
        yield session


def _owner(session: Session) -> str:
    email = f"owner-{uuid.uuid4().hex[:8]}@exemple.fr"
    create_user(session, email=email, name="Propriétaire", password="Mot-De-Passe-1")
    return email


def _reference() -> str:
    return f"MJ-2026-{uuid.uuid4().int % 10**6:06d}"


def _create(session: Session, email: str, reference: str, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "reference": reference,
        "kind": Kind.MEMOIRE_JUSTICE,
        "owner_email": email,
        "amount": Decimal("150.25"),
        "transmitted_at": T0,
    }
    values.update(overrides)
    return create_submission(session, **values)  # type: ignore[arg-type]


def test_submissions_service_create_sets_transmis_and_retention(session: Session) -> None:
    email, reference = _owner(session), _reference()
    outcome = _create(session, email, reference.lower().replace("-", " "))
    submission = outcome.submission
    assert outcome.created and submission.reference == reference
    assert submission.status == "transmis" and as_utc(submission.status_at) == T0
    assert as_utc(submission.viewable_until) == T0.replace(year=2036)
    assert [e.status for e in submission.events] == ["transmis"]
    assert Decimal(submission.amount) == Decimal("150.25")


def test_submissions_service_create_twice_is_idempotent(session: Session) -> None:
    email, reference = _owner(session), _reference()
    first = _create(session, email, reference)
    again = _create(session, email, reference)
    assert not again.created and again.submission.id == first.submission.id


def test_submissions_service_create_conflicting_duplicate_is_refused(session: Session) -> None:
    email, reference = _owner(session), _reference()
    _create(session, email, reference)
    with pytest.raises(SubmissionError) as caught:
        _create(session, email, reference, amount=Decimal("999"))
    assert caught.value.code == "conflict" and reference in caught.value.message


def test_submissions_service_create_refuses_bad_input(session: Session) -> None:
    email = _owner(session)
    for reference, overrides, expected in [
        ("n'importe quoi", {}, "format reconnu"),
        ("FA-2026-000001", {}, "ne correspond pas au type"),
        (_reference(), {"owner_email": "inconnu@exemple.fr"}, "Aucun compte"),
    ]:
        with pytest.raises(SubmissionError) as caught:
            _create(session, email, reference, **overrides)
        assert caught.value.code == "invalid" and expected in caught.value.message


def test_submissions_service_status_history_and_idempotent_events(session: Session) -> None:
    email, reference = _owner(session), _reference()
    _create(session, email, reference)
    steps = [
        (Status.RECU, None),
        (Status.EN_COURS, None),
        (Status.SUSPENDU, "pièce illisible"),
        (Status.EN_COURS, None),
        (Status.VALIDE, None),
    ]
    for day, (status, reason) in enumerate(steps, start=1):
        at = T0 + dt.timedelta(days=day)
        assert add_status_event(
            session, reference=reference, status=status, occurred_at=at, reason=reason
        ).created
    resent = add_status_event(
        session,
        reference=reference,
        status=Status.SUSPENDU,
        occurred_at=T0 + dt.timedelta(days=3),
        reason="pièce illisible",
    )
    assert not resent.created
    again = add_status_event(
        session, reference=reference, status=Status.VALIDE, occurred_at=T0 + dt.timedelta(days=9)
    )
    assert not again.created  # re-posting the current status changes nothing
    submission = repository.get_by_reference(session, reference)
    assert submission is not None and submission.status == "valide"
    assert [e.status for e in submission.events] == [
        "transmis",
        "recu",
        "en_cours",
        "suspendu",
        "en_cours",
        "valide",
    ]
    assert submission.events[3].reason == "pièce illisible"


def test_submissions_service_invalid_transition_is_refused(session: Session) -> None:
    email, reference = _owner(session), _reference()
    _create(session, email, reference)
    with pytest.raises(SubmissionError) as caught:
        add_status_event(
            session, reference=reference, status=Status.PAYE, occurred_at=T0 + dt.timedelta(1)
        )
    assert caught.value.code == "conflict"
    assert "« transmis » au statut « payé » impossible" in caught.value.message
    submission = repository.get_by_reference(session, reference)
    assert submission is not None and submission.status == "transmis"


def test_submissions_service_event_before_current_status_is_refused(session: Session) -> None:
    email, reference = _owner(session), _reference()
    _create(session, email, reference)
    with pytest.raises(SubmissionError) as caught:
        add_status_event(
            session, reference=reference, status=Status.RECU, occurred_at=T0 - dt.timedelta(1)
        )
    assert "antérieure" in caught.value.message


def test_submissions_service_unknown_reference_is_not_found(session: Session) -> None:
    with pytest.raises(SubmissionError) as caught:
        add_status_event(session, reference="MJ-1999-999999", status=Status.RECU, occurred_at=T0)
    assert caught.value.code == "not_found"


def test_submissions_service_lookup_filters_on_owner(session: Session) -> None:
    seed_demo(session)
    seed_demo(session)  # idempotent
    from portal.accounts.repository import get_by_email

    owner = get_by_email(session, DEMO_NO_SIRET_EMAIL)
    assert owner is not None
    mine = [d.reference for d in DEMO_SUBMISSIONS if d.owner_email == DEMO_NO_SIRET_EMAIL]
    others = [d.reference for d in DEMO_SUBMISSIONS if d.owner_email != DEMO_NO_SIRET_EMAIL]
    assert repository.find_for_owner(session, owner.public_id, mine[0]) is not None
    assert repository.find_for_owner(session, owner.public_id, others[0]) is None
    assert repository.find_for_owner(session, "someone-else", mine[0]) is None
    latest = repository.latest_for_owner(session, owner.public_id, 10)
    assert sorted(s.reference for s in latest) == sorted(mine)
    dates = [as_utc(s.status_at) for s in latest]
    assert dates == sorted(dates, reverse=True)
    assert len(repository.latest_for_owner(session, owner.public_id, 2)) == 2

"""Portal feed API (``/api/portal/...``): the portal creates submissions and posts status events.

Authenticated by the ``X-API-Key`` header (the ``portal_api_key`` setting). Invalid
transitions get a 409 with a French explanation; resending a submission or an event
is idempotent (200 instead of 201, nothing changes).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from assistant.deps import SessionDep, SettingsDep
from portal.identity import portal_api_key
from portal.submissions.dates import as_utc
from portal.submissions.models import Submission
from portal.submissions.references import normalise_reference
from portal.submissions.repository import get_by_reference
from portal.submissions.service import (
    SubmissionError,
    add_status_event,
    create_submission,
)
from portal.submissions.states import Kind, Status

logger = logging.getLogger(__name__)

BAD_KEY = "Clé d'API absente ou invalide : renseignez l'en-tête X-API-Key."
ERROR_STATUS = {"invalid": 422, "not_found": 404, "conflict": 409}


def require_api_key(
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Header()] = None,
) -> None:
    expected = portal_api_key(settings)
    if (
        not expected
        or not x_api_key
        or not hmac.compare_digest(x_api_key.encode(), expected.encode())
    ):
        logger.warning("portal.bad_api_key")
        raise HTTPException(401, BAD_KEY, headers={"WWW-Authenticate": "X-API-Key"})


router = APIRouter(prefix="/api/portal", tags=["portail"], dependencies=[Depends(require_api_key)])


class SubmissionCreate(BaseModel):
    reference: str = Field(max_length=40, examples=["MJ-2024-000123"])
    kind: Kind
    owner_email: str = Field(max_length=254, description="E-mail of the owner's portal account.")
    siret: str | None = Field(None, pattern=r"^\d{14}$")
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    transmitted_at: dt.datetime


class EventCreate(BaseModel):
    status: Status
    occurred_at: dt.datetime
    reason: str | None = Field(None, max_length=2000)


class EventOut(BaseModel):
    status: Status
    reason: str | None
    occurred_at: dt.datetime


class SubmissionOut(BaseModel):
    reference: str
    kind: Kind
    siret: str | None
    amount: Decimal
    transmitted_at: dt.datetime
    viewable_until: dt.datetime
    status: Status
    status_reason: str | None
    status_at: dt.datetime
    history: list[EventOut]


def _out(submission: Submission) -> dict[str, Any]:
    return SubmissionOut(
        reference=submission.reference,
        kind=Kind(submission.kind),
        siret=submission.siret,
        amount=submission.amount,
        transmitted_at=as_utc(submission.transmitted_at),
        viewable_until=as_utc(submission.viewable_until),
        status=Status(submission.status),
        status_reason=submission.status_reason,
        status_at=as_utc(submission.status_at),
        history=[
            EventOut(status=Status(e.status), reason=e.reason, occurred_at=as_utc(e.occurred_at))
            for e in submission.events
        ],
    ).model_dump(mode="json")


def _error(exc: SubmissionError) -> JSONResponse:
    return JSONResponse({"detail": exc.message}, status_code=ERROR_STATUS[exc.code])


@router.post(
    "/submissions",
    status_code=201,
    response_model=SubmissionOut,
    responses={200: {"description": "Déjà reçu (idempotent)"}, 409: {}, 422: {}},
)
async def create(body: SubmissionCreate, session: SessionDep) -> JSONResponse:
    """Create a submission at status « transmis » (200 when it already exists, identical)."""
    try:
        outcome = create_submission(
            session,
            reference=body.reference,
            kind=body.kind,
            owner_email=body.owner_email,
            amount=body.amount,
            transmitted_at=body.transmitted_at,
            siret=body.siret,
        )
    except SubmissionError as exc:
        return _error(exc)
    return JSONResponse(_out(outcome.submission), status_code=201 if outcome.created else 200)


@router.post(
    "/submissions/{reference}/events",
    status_code=201,
    response_model=SubmissionOut,
    responses={200: {"description": "Déjà reçu (idempotent)"}, 404: {}, 409: {}, 422: {}},
)
async def add_event(reference: str, body: EventCreate, session: SessionDep) -> JSONResponse:
    """Apply a status change; 409 with the reason when the state machine refuses it."""
    try:
        outcome = add_status_event(
            session,
            reference=reference,
            status=body.status,
            occurred_at=body.occurred_at,
            reason=body.reason,
        )
    except SubmissionError as exc:
        return _error(exc)
    return JSONResponse(_out(outcome.submission), status_code=201 if outcome.created else 200)


@router.get("/submissions/{reference}", response_model=SubmissionOut, responses={404: {}})
async def read(reference: str, session: SessionDep) -> JSONResponse:
    """A submission with its whole status history."""
    canonical = normalise_reference(reference)
    submission = get_by_reference(session, canonical) if canonical else None
    if submission is None:
        return JSONResponse(
            {"detail": f"Aucun formulaire ne porte la référence {reference}."}, status_code=404
        )
    return JSONResponse(_out(submission))

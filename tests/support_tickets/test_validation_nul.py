"""NUL characters, which PostgreSQL cannot store in text: refused in French where a person typed
them, dropped from the portal page name, never looked up."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from support_tickets.auth import BAD_CREDENTIALS, authenticate
from support_tickets.canned import get_canned
from support_tickets.config import get_support_settings
from support_tickets.errors import LoginError, TicketValidationError
from support_tickets.models import Agent
from support_tickets.repository import QueueFilters
from support_tickets.schemas import TicketCreate
from support_tickets.validation import (
    clip_page,
    validate_description,
    validate_reference,
    validate_text,
)
from tests.support_tickets.conftest import AGENT_PASSWORD


def test_validate_text_refuses_nul_in_french() -> None:
    with pytest.raises(TicketValidationError) as refused:
        validate_text("avant\x00après", get_support_settings(), "La réponse")
    assert refused.value.message == (
        "La réponse contient un caractère invalide (caractère nul) : retirez-le."
    )
    assert refused.value.field == "text"


def test_validate_description_and_reference_refuse_nul() -> None:
    with pytest.raises(TicketValidationError, match="La description contient"):
        validate_description("Mon compte est bloqué\x00 depuis hier.", get_support_settings())
    with pytest.raises(TicketValidationError, match="La référence contient"):
        validate_reference("MJ-2024\x00")


def test_ticket_create_refuses_nul_by_field() -> None:
    with pytest.raises(TicketValidationError) as refused:
        TicketCreate.validated(
            email="usager@exemple.fr", category="autre", description="Bloqué\x00 depuis hier."
        )
    assert refused.value.field == "description"


def test_clip_page_drops_nul() -> None:
    assert clip_page("/factures\x00/liste") == "/factures/liste"
    assert clip_page("\x00") is None


def test_queue_filters_search_drops_nul() -> None:
    assert QueueFilters(q="facture\x00 rejetée").cleaned().q == "facture rejetée"


def test_get_canned_with_nul_is_none(db: Session) -> None:
    assert get_canned(db, "accuse_reception\x00") is None
    assert get_canned(db, "accuse_reception") is not None


def test_authenticate_email_with_nul_is_bad_credentials(db: Session, agent: Agent) -> None:
    with pytest.raises(LoginError) as refused:
        authenticate(db, email=agent.email + "\x00", password=AGENT_PASSWORD)
    assert refused.value.message == BAD_CREDENTIALS

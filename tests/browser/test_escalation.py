"""Escalation that reuses what was said (issue 13), in Chromium against the real stack: the
question the assistant could not answer pre-fills the request's description, the user
confirms it or writes another, and the confirmation states the first-response time that the
SLA promises for the ticket's priority, in French business hours."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.support import first_response_text
from support_tickets.models import Ticket
from support_tickets.taxonomy import CATEGORY_LABELS
from tests.browser.conftest import Widget, screenshot
from tests.browser.test_live_support import stack_db

__all__ = ["stack_db"]
NUMBER = re.compile(r"SUP-\d{4}-\d{6}")
# Beyond what the knowledge base answers (as in tests/e2e/test_escalation.py).
QUESTION = "Puis-je joindre une vidéo de démonstration à ma facture déposée sur le portail ?"
EDITED = "Je voudrais joindre une vidéo de 2 minutes à la facture FA-2026-0042 déjà déposée."
OFFER = "Oui, ouvrir une demande"
PROPOSAL = "Voici votre demande telle que je l'ai comprise"


def _flat(text: str) -> str:
    """Spaces as a reader sees them (the texts put non-breaking ones before « : » and units)."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _up_to_the_proposal(widget: Widget) -> str:
    """Ask the question, accept the offer, give an e-mail and a category; the proposal."""
    widget.open()
    widget.send(QUESTION)
    if not widget.log.get_by_role("button", name=OFFER).count():
        widget.send("non")  # the assistant answered: « non », that does not help
    widget.click_choice(OFFER)
    widget.send(f"usager.{uuid.uuid4().hex[:8]}@exemple.fr")
    return widget.click_choice(CATEGORY_LABELS["memoires"])


def _send_and_check(widget: Widget, db: Session, description: str) -> None:
    """From the reference question to the confirmation: the summary shows ``description``,
    the ticket holds it, and the confirmation states the ticket's first-response time."""
    summary = widget.click_choice("Aucune")
    assert "récapitulatif" in summary and _flat(description) in _flat(summary), summary
    confirmation = widget.click_choice("Envoyer")
    number = NUMBER.search(confirmation)
    assert number, confirmation
    ticket = db.scalars(select(Ticket).where(Ticket.number == number.group(0))).one()
    assert ticket.description == description
    promise = first_response_text(ticket.priority)
    assert promise and "ouvrée" in promise
    assert _flat(promise) in _flat(confirmation), confirmation
    expect(widget.bot.last).to_contain_text(re.compile(r"du lundi au vendredi"))


def test_escalation_prefilled_question_confirmed_and_sla_stated(
    widget: Widget, stack_db: Session
) -> None:
    proposal = _up_to_the_proposal(widget)
    assert PROPOSAL in proposal and _flat(f"« {QUESTION} »") in _flat(proposal), proposal
    widget.click_choice("Oui, c'est bien ça")
    _send_and_check(widget, stack_db, QUESTION)
    screenshot(widget.page, "escalation-confirmed")


def test_escalation_prefilled_question_edited_by_the_user(
    widget: Widget, stack_db: Session
) -> None:
    proposal = _up_to_the_proposal(widget)
    assert PROPOSAL in proposal and _flat(QUESTION) in _flat(proposal), proposal
    asked = widget.click_choice("Je corrige")
    assert "Décrivez votre demande" in asked, asked
    widget.send(EDITED)
    _send_and_check(widget, stack_db, EDITED)

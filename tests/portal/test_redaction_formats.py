"""E-mail and phone formats added with the labelled set (portal.conversations.redaction)."""

from __future__ import annotations

import pytest

from portal.conversations.redaction import EMAIL, PHONE, PUBLIC_EMAILS, redact


@pytest.mark.parametrize(
    "text",
    ["marie.dupont arobase laposte.net", "m.dupont[at]orange.fr", "m.dupont (at) orange.fr"],
)
def test_redaction_replaces_spelt_out_email(text: str) -> None:
    assert redact(f"écrivez à {text} svp") == f"écrivez à {EMAIL} svp"


def test_redaction_keeps_the_administrations_public_email() -> None:
    text = "je n'ai rien reçu de Choruspro.Notification.Aife@finances.gouv.fr"
    assert redact(text) == text
    assert "choruspro.notification.aife@finances.gouv.fr" in PUBLIC_EMAILS
    assert redact("agent.dupont@finances.gouv.fr") == EMAIL  # a person's address is not public


@pytest.mark.parametrize(
    "text",
    ["0612 345 678", "06 123 456 78", "0690 45 12 78", "+262 692 45 78 12", "+32 470 12 34 56"],
)
def test_redaction_replaces_phone_grouped_otherwise(text: str) -> None:
    assert redact(f"appelez le {text} svp") == f"appelez le {PHONE} svp"


@pytest.mark.parametrize(
    "text", ["commande 4500123456", "EJ 1300456789", "PACAGE 029123456", "RG 24/01234"]
)
def test_redaction_keeps_business_numbers(text: str) -> None:
    assert redact(text) == text

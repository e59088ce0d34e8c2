"""Redaction of the personal data typed in the chat (portal.conversations.redaction)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal.conversations.redaction import (
    CARD,
    ECHO_REPLY_PREFIXES,
    EMAIL,
    IBAN,
    NIR,
    PHONE,
    redact,
    redact_replies,
)

DOMAIN = Path(__file__).resolve().parents[2] / "domain" / "support.yml"


@pytest.mark.parametrize(
    "text",
    [
        "jean.dupont@exemple.fr",
        "Jean-Marc.Dupont+chorus@mairie-lyon.gouv.fr",
    ],
)
def test_redaction_replaces_email(text: str) -> None:
    assert redact(f"écrivez-moi à {text}, merci") == f"écrivez-moi à {EMAIL}, merci"


@pytest.mark.parametrize(
    "text",
    [
        "06 12 34 56 78",
        "0612345678",
        "01.23.45.67.89",
        "04-72-00-00-00",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033 1 23 45 67 89",
        "+33 (0)1 23 45 67 89",
    ],
)
def test_redaction_replaces_french_phone(text: str) -> None:
    assert redact(f"appelez le {text} svp") == f"appelez le {PHONE} svp"


@pytest.mark.parametrize(
    "text",
    [
        "FR76 3000 6000 0112 3456 7890 189",
        "FR7630006000011234567890189",
        "fr76 3000 6000 0112 3456 7890 189",
        "DE89 3704 0044 0532 0130 00",
        "BE68539007547034",
    ],
)
def test_redaction_replaces_iban(text: str) -> None:
    assert redact(f"mon IBAN : {text} merci") == f"mon IBAN : {IBAN} merci"


def test_redaction_keeps_iban_with_wrong_checksum() -> None:
    text = "mon IBAN : FR76 3000 6000 0112 3456 7890 188"
    assert redact(text) == text


@pytest.mark.parametrize("text", ["4970 1012 3456 7893", "4970101234567893", "3782-822463-10005"])
def test_redaction_replaces_card_number(text: str) -> None:
    assert redact(f"carte {text} refusée") == f"carte {CARD} refusée"


def test_redaction_keeps_card_like_number_failing_luhn() -> None:
    text = "carte 4970 1012 3456 7890 refusée"
    assert redact(text) == text


@pytest.mark.parametrize(
    "text", ["1 85 05 78 006 084 91", "185057800608491", "2 69 05 2A 123 456 88"]
)
def test_redaction_replaces_social_security_number(text: str) -> None:
    assert redact(f"mon NIR est {text}.") == f"mon NIR est {NIR}."


def test_redaction_keeps_nir_like_number_with_wrong_key() -> None:
    text = "mon numéro 1 85 05 78 006 084 92"
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Où en est mon mémoire MJ-2026-000123 ?",
        "remboursement TIC-2026-000042 et ticgn 2026 42",
        "facture FAC-2026-000001, avoir AV-2025-000012, fa2024-12",
        "mon ticket SUP-2026-000001",
        "le mémoire mj2024000123",
        "SIRET 732 829 320 00074, SIREN 732 829 320",
        "siret 73282932000074 siren 732829320",
        "SIRET 44306184100047 et 443 061 841 00047",  # Luhn-valid, a card network's digit
        "montant de 1 234,56 € payé le 12/03/2024, puis 250 000 euros le 2024-06-01",
        "département 75, 2A ou 971, campagne 2025",
    ],
)
def test_redaction_keeps_business_identifiers(text: str) -> None:
    assert redact(text) == text


def test_redaction_replaces_several_items_in_one_message() -> None:
    text = (
        "Bonjour, pour MJ-2026-000123 (SIRET 73282932000074) joignez-moi au 06 12 34 56 78 "
        "ou à a.b@exemple.fr ; virement sur FR7630006000011234567890189."
    )
    assert redact(text) == (
        f"Bonjour, pour MJ-2026-000123 (SIRET 73282932000074) joignez-moi au {PHONE} "
        f"ou à {EMAIL} ; virement sur {IBAN}."
    )


def test_redaction_replies_redacts_only_echoes_of_the_user() -> None:
    summary = "Voici le récapitulatif de votre demande :\n• Adresse électronique : a@b.fr"
    kb_answer = "Écrivez à cosp.dsj-fip4@justice.gouv.fr pour toute question."
    status = "Votre mémoire MJ-2026-000123 du 12/03/2026 (1 234,56 €) est en cours."
    replies: list[dict[str, Any]] = [
        {"text": summary, "buttons": []},
        {"text": kb_answer},
        {"text": status},
        {},
    ]
    assert redact_replies(replies) == [
        {"text": f"Voici le récapitulatif de votre demande :\n• Adresse électronique : {EMAIL}",
         "buttons": []},
        {"text": kb_answer},
        {"text": status},
        {},
    ]  # fmt: skip


def test_redaction_echo_prefixes_match_the_domain_texts() -> None:
    """The echoing replies are recognised by the start of their text in the domain."""
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    for name, prefix in zip(
        ("utter_support_summary", "utter_support_submitted", "utter_support_description_proposal"),
        ECHO_REPLY_PREFIXES,
        strict=True,
    ):
        assert all(r["text"].startswith(prefix) for r in responses[name])


def _messages(count: int) -> list[str]:
    """Realistic helpdesk messages, half of them holding personal data."""
    rng = random.Random(7)
    plain = [
        "Bonjour, où en est mon mémoire MJ-2026-000123 ? Je l'ai déposé le 12/03/2026.",
        "Ma facture FAC-2026-000017 de 1 234,56 € pour le SIRET 73282932000074 est rejetée",
        "comment déposer une demande de remboursement TIC/TICGN dans le département 13 ?",
        "Le portail me dit que mon compte est bloqué depuis ce matin, que faire ?",
    ]
    personal = [
        "Vous pouvez me joindre au 06 12 34 56 78 ou à jean.dupont@exemple.fr",
        "mon IBAN a changé : FR76 3000 6000 0112 3456 7890 189, comment le mettre à jour ?",
        "j'ai payé avec la carte 4970 1012 3456 7893 mais rien n'apparaît",
        "mon numéro de sécurité sociale est 1 85 05 78 006 084 91, est-ce utile ?",
    ]
    return [rng.choice(plain if i % 2 else personal) + f" ({i})" for i in range(count)]


def test_redaction_changes_exactly_the_messages_with_personal_data() -> None:
    messages = _messages(1000)
    redacted = [redact(m) for m in messages]
    assert sum(r != m for r, m in zip(redacted, messages, strict=True)) == 500


@pytest.mark.parametrize(
    "text",
    [
        "bonjour test-x-0685652446aa4439b108c11eae10afeb-3",  # a phone glued to letters
        "session 802c4253783546279a7ca50f0d575806",  # a Luhn-valid card run inside a hash
        "jeton FR7630006000011234567890189abc",  # an IBAN glued to more letters
    ],
)
def test_redaction_keeps_digits_glued_to_letters(text: str) -> None:
    """Session ids and hashes hold digit runs that pass the checks: they are identifiers,
    not numbers someone typed (the security probe's session ids were once redacted)."""
    assert redact(text) == text

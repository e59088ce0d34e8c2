"""References found in free text and normalised, however users type them."""

from __future__ import annotations

import pytest

from portal.submissions.references import find_references, normalise_reference
from portal.submissions.service import kind_of
from portal.submissions.states import Kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ma facture fa2024-12", ["FA-2024-000012"]),
        ("le mémoire n° MJ 2024 000123", ["MJ-2024-000123"]),
        ("où en est mj2024000123 ?", ["MJ-2024-000123"]),
        ("MJ-2024-123", ["MJ-2024-000123"]),
        ("MJ_2024_0000123", ["MJ-2024-000123"]),
        ("demande TICGN-2025-42", ["TIC-2025-000042"]),
        ("suivi tic 2025 000042.", ["TIC-2025-000042"]),
        ("l'avoir AV/2026/7", ["AV-2026-000007"]),
        ("MJ-2024-000123 et FA2024-12 et mj 2024 123", ["MJ-2024-000123", "FA-2024-000012"]),
    ],
)
def test_submissions_references_found_in_free_text(text: str, expected: list[str]) -> None:
    assert find_references(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "où en est mon mémoire ?",
        "mon sofa 2024 12",
        "SIRET 88234567800016",
        "MJ-1850-000123",
        "XMJ-2024-000123",
        "MJ-2024-0001234567890",
        "",
    ],
)
def test_submissions_references_absent(text: str) -> None:
    assert find_references(text) == []


def test_submissions_references_normalise_whole_value_only() -> None:
    assert normalise_reference(" mj 2024 000123 ") == "MJ-2024-000123"
    assert normalise_reference("MJ-2024-000123 bis") is None
    assert normalise_reference("bonjour") is None


def test_submissions_references_kind_of_prefix() -> None:
    assert kind_of("MJ-2024-000123") is Kind.MEMOIRE_JUSTICE
    assert kind_of("TIC-2024-000001") is Kind.REMBOURSEMENT_TIC_TICGN
    assert kind_of("FA-2024-000012") is Kind.FACTURE
    assert kind_of("AV-2024-000012") is Kind.AVOIR

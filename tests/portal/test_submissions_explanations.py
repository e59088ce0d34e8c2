"""Plain-French status explanations: meaning, dates, amount, reason, next step, guide links."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from portal.submissions.dates import add_years, french_amount, french_date
from portal.submissions.explanations import (
    GUIDE_URL,
    STATUS_HELP,
    explain,
    status_link,
    summary_line,
)
from portal.submissions.models import Submission
from portal.submissions.states import Kind, Status
from storage.paths import REPO_ROOT

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


def _submission(status: Status, kind: Kind = Kind.MEMOIRE_JUSTICE, reason: str | None = None):  # type: ignore[no-untyped-def]
    transmitted = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    return Submission(
        reference="MJ-2026-000001",
        kind=kind.value,
        amount=Decimal("1250.5"),
        transmitted_at=transmitted,
        viewable_until=add_years(transmitted, 10),
        status=status.value,
        status_reason=reason,
        status_at=dt.datetime(2026, 4, 12, tzinfo=dt.UTC),
    )


def test_submissions_explanations_anchors_exist_in_the_guide() -> None:
    guide = (REPO_ROOT / "knowledge_base" / "documents" / "suivi-formulaires.md").read_text()
    anchors = set(re.findall(r"\{#([a-z0-9-]+)\}", guide))
    for status, help_ in STATUS_HELP.items():
        assert help_.anchor in anchors, status
        assert status_link(status)["url"] == f"{GUIDE_URL}#{help_.anchor}"
    assert {"statut-via-assistant", "numero-reference"} <= anchors


def test_submissions_explanations_rejection_has_reason_and_what_to_do() -> None:
    text = explain(_submission(Status.REJETE, reason="réquisition absente"), now=NOW)
    assert "MJ-2026-000001" in text and "mémoire de frais de justice" in text
    assert "transmis le 1er mars 2026" in text and "depuis le 12 avril 2026" in text
    assert "« rejeté »" in text and "« réquisition absente »" in text
    assert "nouveau formulaire" in text and "1\u202f250,50\u00a0€" in text
    assert "consultables jusqu'au 1er mars 2036" in text
    assert status_link(Status.REJETE)["url"].endswith("#apres-rejet")


@pytest.mark.parametrize("status", list(Status))
def test_submissions_explanations_every_status_has_a_next_step(status: Status) -> None:
    reason = "motif" if status in (Status.REJETE, Status.SUSPENDU) else None
    text = explain(_submission(status, reason=reason), now=NOW)
    assert "Prochaine étape : " in text and text.count("«") == text.count("»")


def test_submissions_explanations_feminine_kind_agrees() -> None:
    text = explain(_submission(Status.VALIDE, kind=Kind.FACTURE), now=NOW)
    assert text.startswith("Votre facture MJ-2026-000001, transmise le")


def test_submissions_explanations_after_retention_says_no_longer_viewable() -> None:
    text = explain(_submission(Status.PAYE), now=NOW.replace(year=2037))
    assert "n'est plus consultable" in text


def test_submissions_explanations_summary_line_shows_reason() -> None:
    line = summary_line(_submission(Status.SUSPENDU, reason="RIB illisible"))
    assert line.startswith("• MJ-2026-000001 (mémoire de frais de justice")
    assert "« suspendu » depuis le 12 avril 2026 — motif : RIB illisible" in line


def test_submissions_explanations_dates_and_amounts() -> None:
    assert french_date(dt.date(2026, 8, 15)) == "15 août 2026"
    assert french_amount(Decimal("3")) == "3,00\u00a0€"
    assert add_years(dt.datetime(2024, 2, 29), 10) == dt.datetime(2034, 2, 28)


def test_submissions_explanations_one_message_for_rasa_rest() -> None:
    """Rasa's REST channel splits a text on blank lines: the answer must have none."""
    text = explain(_submission(Status.REJETE, reason="motif"), now=NOW)
    assert "\n\n" not in text and text.count("\n") == 3

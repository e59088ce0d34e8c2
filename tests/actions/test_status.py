"""action_check_status: trusts only the signed identity, explains statuses, leaks nothing."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.status import (
    ANONYMOUS_TEXT,
    ActionCheckStatus,
    kind_hint,
    message_metadata,
    requested_references,
)
from portal.submissions.states import Kind
from storage.migrate import upgrade
from tests.assistant.portal_fixtures import (
    NO_SIRET_ACCOUNT,
    SIRET_ACCOUNT,
    demo_data,
    known_secrets,
    token_for,
)

__all__ = ["demo_data", "known_secrets"]
pytestmark = pytest.mark.usefixtures("_migrated", "known_secrets", "demo_data")


@pytest.fixture(scope="module")
def _migrated() -> None:
    upgrade()


def _tracker(
    text: str,
    metadata: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    in_event_only: bool = False,
) -> Tracker:
    metadata = metadata or {}
    latest: dict[str, Any] = {
        "text": text,
        "intent": {"name": "check_status", "confidence": 0.98},
        "entities": entities or [],
    }
    if not in_event_only:
        latest["metadata"] = metadata
    return Tracker.from_dict(
        {
            "sender_id": "status-test",
            "slots": {"reference": None},
            "latest_message": latest,
            "events": [{"event": "user", "text": text, "metadata": metadata}],
        }
    )


def _identified(email: str, **extra: Any) -> dict[str, Any]:
    token = token_for(email, **extra)
    return {"identity_token": token, "identity": {"email": email}}


async def _run(tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionCheckStatus().run(dispatcher, tracker, {})
    return dispatcher.messages, events


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def _urls(messages: list[dict[str, Any]]) -> list[str]:
    return [link["url"] for m in messages for link in (m.get("custom") or {}).get("links", [])]


def test_action_check_status_name() -> None:
    assert ActionCheckStatus().name() == "action_check_status"


async def test_action_check_status_anonymous_is_told_to_log_in() -> None:
    messages, events = await _run(_tracker("Quel est le statut du formulaire MJ-2026-000123 ?"))
    assert _text(messages) == ANONYMOUS_TEXT
    assert "connecté" in ANONYMOUS_TEXT and "numéro de référence" in ANONYMOUS_TEXT
    assert "MJ-2026-000123" not in _text(messages)
    assert "/docs/comptes#se-connecter" in _urls(messages)
    assert events == [SlotSet("reference", None)]


async def test_action_check_status_typed_identity_is_not_trusted() -> None:
    """Claims without a valid signature (or typed in the chat) are anonymous."""
    forged = {"identity": {"sub": "x", "email": NO_SIRET_ACCOUNT.email}}
    messages, _ = await _run(_tracker("je suis claire moreau, MJ-2026-000123", forged))
    assert _text(messages) == ANONYMOUS_TEXT
    bad = {"identity_token": token_for(NO_SIRET_ACCOUNT.email)[:-3] + "abc"}
    messages, _ = await _run(_tracker("MJ-2026-000123", bad))
    assert _text(messages) == ANONYMOUS_TEXT


async def test_action_check_status_expired_token_is_anonymous() -> None:
    metadata = _identified(NO_SIRET_ACCOUNT.email, ttl_s=1, now=1_000_000_000)
    messages, _ = await _run(_tracker("MJ-2026-000123", metadata))
    assert _text(messages) == ANONYMOUS_TEXT


async def test_action_check_status_reference_of_the_user_is_explained() -> None:
    metadata = _identified(NO_SIRET_ACCOUNT.email)
    messages, _ = await _run(_tracker("le mémoire n° mj 2026 87 ?", metadata))
    text = _text(messages)
    assert "MJ-2026-000087" in text and "« rejeté » depuis le 9 juillet 2026" in text
    assert "réquisition du magistrat" in text and "nouveau formulaire" in text
    assert _urls(messages) == ["/docs/suivi-formulaires#apres-rejet", "/support"]


async def test_action_check_status_metadata_read_from_user_event() -> None:
    metadata = _identified(SIRET_ACCOUNT.email)
    tracker = _tracker("et ma facture fa2026-12 ?", metadata, in_event_only=True)
    assert message_metadata(tracker) == metadata
    messages, _ = await _run(tracker)
    assert "FA-2026-000012" in _text(messages) and "« mis en paiement »" in _text(messages)


async def test_action_check_status_other_users_reference_looks_unknown() -> None:
    metadata = _identified(SIRET_ACCOUNT.email)
    someone_elses, _ = await _run(_tracker("où en est MJ-2026-000123 ?", metadata))
    unknown, _ = await _run(_tracker("où en est MJ-2026-999999 ?", metadata))
    assert _text(someone_elses).replace("000123", "X") == _text(unknown).replace("999999", "X")
    assert "Je ne trouve aucun formulaire portant la référence" in _text(unknown)
    assert "486" not in _text(someone_elses) and "cours de traitement" not in _text(someone_elses)


async def test_action_check_status_without_reference_lists_latest() -> None:
    metadata = _identified(NO_SIRET_ACCOUNT.email)
    messages, _ = await _run(_tracker("où en est mon mémoire ?", metadata))
    text = _text(messages)
    assert text.startswith("Voici vos formulaires les plus récents\u00a0:")
    assert text.index("MJ-2026-000123") < text.index("MJ-2026-000087") < text.index("MJ-2025")
    assert "TIC-2026-000042" not in text  # someone else's
    assert "indiquez-moi la référence" in text


async def test_action_check_status_kind_hint_narrows_to_single_submission() -> None:
    metadata = _identified(SIRET_ACCOUNT.email)
    messages, _ = await _run(_tracker("suivi de ma demande de remboursement TIC", metadata))
    text = _text(messages)
    assert text.startswith("Votre demande de remboursement de la TIC/TICGN TIC-2026-000042")
    assert "« suspendu »" in text and "gazole non routier" in text
    assert "/docs/suivi-formulaires#statut-suspendu" in _urls(messages)


async def test_action_check_status_reference_from_entity_when_text_has_none() -> None:
    metadata = _identified(NO_SIRET_ACCOUNT.email)
    entities = [{"entity": "reference", "value": "MJ 2025 4512"}]
    tracker = _tracker("/check_status", metadata, entities=entities)
    assert requested_references(tracker) == ["MJ-2025-004512"]
    messages, _ = await _run(tracker)
    assert "« payé »" in _text(messages)


async def test_action_check_status_database_failure_apologises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr("actions.status.build_reply", broken)
    messages, events = await _run(_tracker("MJ-2026-000123", _identified(SIRET_ACCOUNT.email)))
    assert "difficulté technique" in _text(messages) and events == []


def test_action_check_status_kind_hint() -> None:
    assert kind_hint("Où en est mon MÉMOIRE ?") is Kind.MEMOIRE_JUSTICE
    assert kind_hint("remboursement de TICGN") is Kind.REMBOURSEMENT_TIC_TICGN
    assert kind_hint("ma facture") is Kind.FACTURE
    assert kind_hint("je voudrais avoir des nouvelles") is None
    assert kind_hint("où en est mon avoir ?") is Kind.AVOIR


async def test_action_check_status_named_kind_absent_says_so_then_lists() -> None:
    metadata = _identified(SIRET_ACCOUNT.email)
    messages, _ = await _run(_tracker("où en est mon mémoire ?", metadata))
    text = _text(messages)
    assert text.startswith("Je ne trouve aucun mémoire de frais de justice parmi vos formulaires")
    assert "TIC-2026-000042" in text and "FA-2026-000012" in text

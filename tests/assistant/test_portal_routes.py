"""Portal feed API: API key, creation, status events, refused transitions, idempotency."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from portal.accounts.repository import create_user
from storage.db import get_sessionmaker
from tests.assistant.portal_fixtures import PORTAL_API_KEY, demo_data, known_secrets

__all__ = ["demo_data", "known_secrets"]
pytestmark = pytest.mark.usefixtures("known_secrets", "demo_data")
KEY = {"X-API-Key": PORTAL_API_KEY}
# Submissions go to an account of this module's own, so the demo accounts stay as seeded.
OWNER_EMAIL = f"portail-{uuid.uuid4().hex[:8]}@exemple.fr"
OWNER_SIRET = "88234567800016"


@pytest.fixture(scope="module", autouse=True)
def _owner() -> None:
    with get_sessionmaker()() as session:
        create_user(session, email=OWNER_EMAIL, name="Compte du flux", password="Flux-2026!")


def _reference() -> str:
    return f"TIC-2026-{uuid.uuid4().int % 10**6:06d}"


def _new(client: TestClient, reference: str, **overrides: object):  # type: ignore[no-untyped-def]
    body = {
        "reference": reference,
        "kind": "remboursement_tic_ticgn",
        "owner_email": OWNER_EMAIL,
        "siret": OWNER_SIRET,
        "amount": "812.40",
        "transmitted_at": "2026-10-01T08:00:00Z",
        **overrides,
    }
    return client.post("/api/portal/submissions", json=body, headers=KEY)


def _event(client: TestClient, reference: str, status: str, at: str, reason: str | None = None):  # type: ignore[no-untyped-def]
    body = {"status": status, "occurred_at": at, "reason": reason}
    return client.post(f"/api/portal/submissions/{reference}/events", json=body, headers=KEY)


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "mauvaise-cle"}, {"X-API-Key": ""}])
def test_portal_routes_require_the_api_key(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/api/portal/submissions", json={}, headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "Clé d'API absente ou invalide : renseignez l'en-tête X-API-Key."
    )
    assert client.get("/api/portal/submissions/MJ-2026-000123", headers=headers).status_code == 401


def test_portal_routes_create_then_idempotent_resend(client: TestClient) -> None:
    reference = _reference()
    created = _new(client, reference.lower())
    assert created.status_code == 201
    body = created.json()
    assert body["reference"] == reference and body["status"] == "transmis"
    assert body["viewable_until"].startswith("2036-10-01")
    assert body["history"] == [
        {"status": "transmis", "reason": None, "occurred_at": "2026-10-01T08:00:00Z"}
    ]
    again = _new(client, reference)
    assert again.status_code == 200 and again.json() == body
    conflict = _new(client, reference, amount="1.00")
    assert conflict.status_code == 409
    assert "porte déjà la référence" in conflict.json()["detail"]


def test_portal_routes_status_events_and_history(client: TestClient) -> None:
    reference = _reference()
    _new(client, reference)
    assert _event(client, reference, "recu", "2026-10-02T08:00:00Z").status_code == 201
    assert _event(client, reference, "en_cours", "2026-10-03T08:00:00Z").status_code == 201
    rejected = _event(client, reference, "rejete", "2026-10-04T08:00:00Z", "SIRET inconnu")
    assert rejected.status_code == 201
    duplicate = _event(client, reference, "rejete", "2026-10-04T08:00:00Z", "SIRET inconnu")
    assert duplicate.status_code == 200 and duplicate.json() == rejected.json()
    read = client.get(f"/api/portal/submissions/{reference}", headers=KEY).json()
    assert read["status"] == "rejete" and read["status_reason"] == "SIRET inconnu"
    assert [e["status"] for e in read["history"]] == ["transmis", "recu", "en_cours", "rejete"]


def test_portal_routes_invalid_transition_is_409_in_french(client: TestClient) -> None:
    reference = _reference()
    _new(client, reference)
    response = _event(client, reference, "paye", "2026-10-02T08:00:00Z")
    assert response.status_code == 409
    assert "« transmis » au statut « payé » impossible" in response.json()["detail"]
    missing_reason = _event(client, reference, "recu", "2026-10-02T08:00:00Z")
    assert missing_reason.status_code == 201
    response = _event(client, reference, "suspendu", "2026-10-03T08:00:00Z")
    assert response.status_code == 409
    assert "motif est obligatoire" in response.json()["detail"]


def test_portal_routes_unknown_reference_and_bad_input(client: TestClient) -> None:
    assert _event(client, "MJ-1999-999999", "recu", "2026-10-02T08:00:00Z").status_code == 404
    assert client.get("/api/portal/submissions/pas-une-ref", headers=KEY).status_code == 404
    bad_kind = _new(client, _reference(), kind="brouillon")
    assert bad_kind.status_code == 422 and "kind" in bad_kind.text
    bad_siret = _new(client, _reference(), siret="123")
    assert bad_siret.status_code == 422
    no_owner = _new(client, _reference(), owner_email="inconnu@exemple.fr")
    assert no_owner.status_code == 422 and "Aucun compte" in no_owner.json()["detail"]
    without_siret = _new(
        client,
        f"MJ-2026-{uuid.uuid4().int % 10**6:06d}",
        kind="memoire_justice",
        owner_email=OWNER_EMAIL,
        siret=None,
    )
    assert without_siret.status_code == 201 and without_siret.json()["siret"] is None

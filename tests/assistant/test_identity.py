"""Signed identity tokens: round trip, expiry, tampering, wrong secret, malformed input."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from assistant import identity
from assistant.config import Settings
from assistant.identity import (
    EXPIRED_DETAIL,
    ExpiredToken,
    InvalidToken,
    MissingSecret,
    identity_secret,
    sign_identity,
    verify_token,
)

SECRET = b"unit-test-secret"
NOW = 1_800_000_000.0


def _token(ttl_s: int = 3600, siret: str | None = "88234567800016", now: float = NOW) -> str:
    return sign_identity(
        SECRET,
        sub="abc123",
        email="camille@exemple.fr",
        name="Camille Lévêque",
        siret=siret,
        ttl_s=ttl_s,
        now=now,
    )


def test_identity_round_trip_keeps_every_claim() -> None:
    verified = verify_token(_token(), SECRET, now=NOW + 10)
    assert verified.claims() == {
        "sub": "abc123",
        "email": "camille@exemple.fr",
        "name": "Camille Lévêque",
        "siret": "88234567800016",
        "iat": int(NOW),
        "exp": int(NOW) + 3600,
    }


def test_identity_without_siret_is_null() -> None:
    assert verify_token(_token(siret=None), SECRET, now=NOW).siret is None


def test_identity_expired_token_is_refused_with_french_detail() -> None:
    with pytest.raises(ExpiredToken) as caught:
        verify_token(_token(ttl_s=60), SECRET, now=NOW + 61)
    assert (
        caught.value.detail
        == EXPIRED_DETAIL
        == ("Votre session a expiré : reconnectez-vous au portail.")
    )


def test_identity_tampered_claims_are_refused() -> None:
    payload, signature = _token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken) as caught:
        verify_token(f"{forged}.{signature}", SECRET, now=NOW)
    assert not isinstance(caught.value, ExpiredToken)


def test_identity_tampered_expiry_is_refused() -> None:
    """Pushing ``exp`` forward breaks the signature: the token is invalid, not merely expired."""
    payload, signature = _token(ttl_s=60).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] += 10**6
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        verify_token(f"{forged}.{signature}", SECRET, now=NOW + 120)


def test_identity_other_secret_is_refused() -> None:
    with pytest.raises(InvalidToken):
        verify_token(_token(), b"another-secret", now=NOW)


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b.c", "é.é", "!!!.???", "x" * 5000, "eyJhIjoxfQ.AAAA"]
)
def test_identity_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(token, SECRET, now=NOW)


def test_identity_signed_non_object_claims_are_refused() -> None:
    payload = base64.urlsafe_b64encode(b"[1, 2]").rstrip(b"=").decode()
    signature = identity._b64encode(identity._mac(SECRET, payload))
    with pytest.raises(InvalidToken):
        verify_token(f"{payload}.{signature}", SECRET, now=NOW)


def test_identity_issued_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidToken):
        verify_token(_token(now=NOW + 3600), SECRET, now=NOW)


def test_identity_secret_setting_wins() -> None:
    settings = Settings(identity_secret="from-settings", environment="production")
    assert identity_secret(settings) == b"from-settings"


def test_identity_secret_is_required_in_production() -> None:
    with pytest.raises(MissingSecret):
        identity_secret(Settings(identity_secret=None, environment="production"))


def test_identity_secret_generated_once_in_development(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "var" / "identity.secret"
    monkeypatch.setattr(identity, "IDENTITY_SECRET_FILE", path)
    settings = Settings(identity_secret=None, environment="development")
    first = identity_secret(settings)
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert len(first) >= 32 and identity_secret(settings) == first


def test_identity_portal_key_absent_in_production_is_none() -> None:
    assert identity.portal_api_key(Settings(portal_api_key=None, environment="production")) is None

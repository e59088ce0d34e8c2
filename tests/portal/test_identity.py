"""Signed identity tokens: round trip, expiry, clock skew, tampering (property-based), wrong
secret, malformed input, and the secrets behind them."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.config import Settings
from portal import identity
from portal.identity import (
    CLOCK_SKEW_S,
    EXPIRED_DETAIL,
    INVALID_DETAIL,
    MAX_TOKEN_CHARS,
    ExpiredToken,
    InvalidToken,
    MissingSecret,
    ensure_secrets,
    identity_secret,
    portal_api_key,
    sign_identity,
    verify_token,
)

SECRET = b"unit-test-secret"
NOW = 1_800_000_000.0
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Deterministic property tests: the same examples on every run, no example database.
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def _token(
    ttl_s: int = 3600,
    siret: str | None = "88234567800016",
    now: float = NOW,
    name: str = "Camille Lévêque",
) -> str:
    return sign_identity(
        SECRET,
        sub="abc123",
        email="camille@exemple.fr",
        name=name,
        siret=siret,
        ttl_s=ttl_s,
        now=now,
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _signed(payload: str, secret: bytes = SECRET) -> str:
    """``payload`` with its correct signature: whatever fails next is the content's fault."""
    return f"{payload}.{_b64(identity._mac(secret, payload))}"


def _signed_claims(**overrides: Any) -> str:
    claims: dict[str, Any] = {
        "sub": "abc123",
        "email": "camille@exemple.fr",
        "name": "Camille",
        "siret": None,
        "iat": int(NOW),
        "exp": int(NOW) + 60,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not ...}
    return _signed(_b64(json.dumps(claims).encode()))


def _refused_as_invalid(token: str, secret: bytes = SECRET, now: float = NOW) -> InvalidToken:
    """The token is refused as invalid (tampered or malformed), never as merely expired."""
    with pytest.raises(InvalidToken) as caught:
        verify_token(token, secret, now=now)
    assert type(caught.value) is InvalidToken
    assert caught.value.detail == INVALID_DETAIL
    return caught.value


# --- round trip -----------------------------------------------------------------------------


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


def test_identity_sign_truncates_now_to_whole_seconds() -> None:
    claims = _claims_of(_token(ttl_s=10, now=NOW + 0.9))
    assert (claims["iat"], claims["exp"]) == (int(NOW), int(NOW) + 10)


def test_identity_sign_matches_the_documented_wire_format() -> None:
    """What a host portal must produce: base64url (unpadded) of the compact UTF-8 JSON claims,
    a dot, base64url (unpadded) of its HMAC-SHA256. Computed here without ``identity``."""
    claims = {
        "sub": "abc123",
        "email": "camille@exemple.fr",
        "name": "Camille Lévêque",
        "siret": "88234567800016",
        "iat": int(NOW),
        "exp": int(NOW) + 3600,
    }
    payload = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    assert "Lévêque".encode() in base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    signature = _b64(hmac.new(SECRET, payload.encode("ascii"), hashlib.sha256).digest())
    assert _token() == f"{payload}.{signature}"


def test_identity_verified_identity_is_immutable() -> None:
    verified = verify_token(_token(), SECRET, now=NOW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        verified.sub = "someone-else"  # type: ignore[misc]


def test_identity_sign_takes_the_claims_by_name_only() -> None:
    with pytest.raises(TypeError):
        sign_identity(SECRET, "abc123", "camille@exemple.fr", "Camille", None, 60)  # type: ignore[misc]


def test_identity_sign_and_verify_default_to_the_current_time() -> None:
    token = sign_identity(SECRET, sub="s", email="e", name="n", siret=None, ttl_s=60)
    verified = verify_token(token, SECRET)
    assert verified.exp - verified.iat == 60
    assert verify_token(token, SECRET, now=verified.iat).sub == "s"


@PROPERTY
@given(
    sub=st.text(min_size=1, max_size=40),
    email=st.text(max_size=40),
    name=st.text(max_size=40),
    siret=st.none() | st.text(alphabet="0123456789", min_size=14, max_size=14),
    issued=st.integers(min_value=0, max_value=4_000_000_000),
    ttl_s=st.integers(min_value=1, max_value=10**6),
)
def test_identity_property_any_claims_round_trip(
    sub: str, email: str, name: str, siret: str | None, issued: int, ttl_s: int
) -> None:
    token = sign_identity(
        SECRET, sub=sub, email=email, name=name, siret=siret, ttl_s=ttl_s, now=issued
    )
    verified = verify_token(token, SECRET, now=issued)
    assert verified.claims() == {
        "sub": sub,
        "email": email,
        "name": name,
        "siret": siret,
        "iat": issued,
        "exp": issued + ttl_s,
    }


# --- tampering (property-based) -------------------------------------------------------------

VALID = _token()
# Any character, with the base64 alphabets and separators drawn often.
CHARACTERS = st.sampled_from(B64URL + "+/=.") | st.characters()
VALID_PAYLOAD, VALID_SIGNATURE = VALID.split(".")


@st.composite
def _edited(draw: st.DrawFn, text: str) -> str:
    """``text`` with one character replaced, deleted or inserted (never equal to ``text``)."""
    kind = draw(st.sampled_from(["replace", "delete", "insert"]))
    if kind == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(CHARACTERS) + text[at:]
    at = draw(st.integers(0, len(text) - 1))
    if kind == "delete":
        return text[:at] + text[at + 1 :]
    other = draw(CHARACTERS.filter(lambda c: c != text[at]))
    return text[:at] + other + text[at + 1 :]


@PROPERTY
@given(payload=_edited(VALID_PAYLOAD))
def test_identity_property_any_payload_change_is_refused(payload: str) -> None:
    _refused_as_invalid(f"{payload}.{VALID_SIGNATURE}")


@PROPERTY
@given(signature=_edited(VALID_SIGNATURE))
def test_identity_property_any_signature_change_is_refused(signature: str) -> None:
    _refused_as_invalid(f"{VALID_PAYLOAD}.{signature}")


@PROPERTY
@given(signature=st.text(alphabet=B64URL))
def test_identity_property_a_guessed_signature_is_refused(signature: str) -> None:
    _refused_as_invalid(f"{VALID_PAYLOAD}.{signature}")


def _same_bytes_spellings(signature: str) -> list[str]:
    """Other texts a lenient base64 decoder reads as the same bytes as ``signature``."""
    last = B64URL.index(signature[-1])
    # 32 bytes take 42 characters and 4 bits of the 43rd: its 2 low bits are discarded.
    trailing = [signature[:-1] + c for c in B64URL if B64URL.index(c) >> 2 == last >> 2]
    standard = signature.translate(str.maketrans("-_", "+/"))
    return [s for s in [*trailing, standard, signature + "=", signature + "=="] if s != signature]


def test_identity_signature_other_spellings_are_refused() -> None:
    """Exactly one spelling verifies: not the standard alphabet, padding or other last bits."""
    tokens = [_token(now=NOW + i).split(".") for i in range(20)]
    assert any(set(signature) & set("-_") for _, signature in tokens)  # « + » and « / » tried
    for payload, signature in tokens:
        spellings = _same_bytes_spellings(signature)
        assert len(spellings) >= 5
        for spelling in spellings:
            assert base64.urlsafe_b64decode(spelling + "=" * (-len(spelling) % 4)) == (
                base64.urlsafe_b64decode(signature + "=")
            )
            _refused_as_invalid(f"{payload}.{spelling}")


def test_identity_tampered_claims_are_refused() -> None:
    claims = _claims_of(VALID)
    claims["sub"] = "someone-else"
    _refused_as_invalid(f"{_b64(json.dumps(claims).encode())}.{VALID_SIGNATURE}")


def test_identity_tampered_expiry_is_refused() -> None:
    """Pushing ``exp`` forward breaks the signature: the token is invalid, not merely expired."""
    payload, signature = _token(ttl_s=60).split(".")
    claims = _claims_of(payload)
    claims["exp"] += 10**6
    _refused_as_invalid(f"{_b64(json.dumps(claims).encode())}.{signature}", now=NOW + 120)


# --- missing or wrong signature -------------------------------------------------------------


def test_identity_unsigned_token_with_empty_signature_is_refused() -> None:
    """``payload.`` with nothing after the dot: kills « skip the HMAC when it is empty »."""
    error = _refused_as_invalid(f"{VALID_PAYLOAD}.")
    assert str(error) == "bad signature"


def test_identity_forged_unsigned_token_with_other_claims_is_refused() -> None:
    claims = _claims_of(VALID) | {"sub": "admin", "exp": int(NOW) + 10**6}
    _refused_as_invalid(_b64(json.dumps(claims).encode()) + ".")


def test_identity_token_without_separator_is_refused() -> None:
    assert str(_refused_as_invalid(VALID_PAYLOAD)) == "malformed"
    assert str(_refused_as_invalid(VALID_PAYLOAD + VALID_SIGNATURE)) == "malformed"


def test_identity_token_with_two_separators_is_refused() -> None:
    assert str(_refused_as_invalid(f"{VALID}.{VALID_SIGNATURE}")) == "malformed"


def test_identity_other_secret_is_refused() -> None:
    assert str(_refused_as_invalid(_token(), secret=b"another-secret")) == "bad signature"


def test_identity_signed_with_other_secret_is_refused() -> None:
    forged = sign_identity(
        b"attacker-secret", sub="abc123", email="e", name="n", siret=None, ttl_s=60, now=NOW
    )
    _refused_as_invalid(forged)


# --- dates ----------------------------------------------------------------------------------


def test_identity_expired_token_is_refused_with_french_detail() -> None:
    with pytest.raises(ExpiredToken) as caught:
        verify_token(_token(ttl_s=60), SECRET, now=NOW + 61)
    assert caught.value.detail == EXPIRED_DETAIL
    assert EXPIRED_DETAIL == "Votre session a expiré : reconnectez-vous au portail."


def test_identity_expiry_boundary_exp_itself_is_expired() -> None:
    token = _token(ttl_s=60)
    assert verify_token(token, SECRET, now=NOW + 59.999).sub == "abc123"
    with pytest.raises(ExpiredToken):
        verify_token(token, SECRET, now=NOW + 60)


def test_identity_issued_in_the_future_is_refused() -> None:
    error = _refused_as_invalid(_token(now=NOW + 3600), now=NOW)
    assert str(error) == "issued in the future"


def test_identity_clock_skew_of_one_minute_is_tolerated() -> None:
    """The portal's clock may be up to ``CLOCK_SKEW_S`` (one minute) ahead of ours."""
    assert CLOCK_SKEW_S == 60
    assert verify_token(_token(now=NOW + 60), SECRET, now=NOW).iat == int(NOW) + 60
    _refused_as_invalid(_token(now=NOW + 61), now=NOW)
    _refused_as_invalid(_token(now=NOW + 60), now=NOW - 0.5)


def test_identity_issued_in_the_future_and_expired_is_expired() -> None:
    """Expiry is checked first: a token with ``exp`` past is expired whatever its ``iat``."""
    token = _signed_claims(iat=int(NOW) + 3600, exp=int(NOW))
    with pytest.raises(ExpiredToken):
        verify_token(token, SECRET, now=NOW)


# --- malformed input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b.c", "é.é", "!!!.???", "x" * 5000, "eyJhIjoxfQ.AAAA", "."],
)
def test_identity_malformed_tokens_are_refused(token: str) -> None:
    _refused_as_invalid(token)


def test_identity_non_ascii_signature_is_refused() -> None:
    assert str(_refused_as_invalid(f"{VALID_PAYLOAD}.{VALID_SIGNATURE}é")) == "non-ascii"


def test_identity_length_limit_boundary() -> None:
    """A valid token of exactly ``MAX_TOKEN_CHARS`` verifies; one character more does not."""
    by_length: dict[int, str] = {}
    for extra in range(MAX_TOKEN_CHARS):
        token = _token(name="n" * extra)
        by_length.setdefault(len(token), token)
        if len(token) > MAX_TOKEN_CHARS:
            break
    assert MAX_TOKEN_CHARS == 4096
    assert verify_token(by_length[MAX_TOKEN_CHARS], SECRET, now=NOW).sub == "abc123"
    longest = by_length[MAX_TOKEN_CHARS]
    payload = longest.split(".")[0]
    assert str(_refused_as_invalid(_signed(payload + "A"))) == "malformed"


@pytest.mark.parametrize(
    "payload",
    [
        "!!!!",  # not base64
        "A",  # a lone base64 character: not a whole byte
        _b64(b"\xff\xfe\xfd"),  # not UTF-8
        _b64(b"pas du JSON"),
        _b64(b'{"sub": "abc123"'),  # truncated JSON
        _b64(b"[1, 2]"),  # JSON, but not an object
        _b64(b'"abc123"'),
        _b64(b"null"),
    ],
)
def test_identity_signed_malformed_claims_are_refused(payload: str) -> None:
    """Correctly signed garbage is refused too (a portal bug, or a leaked secret misused)."""
    _refused_as_invalid(_signed(payload))


@pytest.mark.parametrize(
    "spoil",
    [
        lambda p: p + "====",  # surplus padding
        lambda p: p[:4] + " " + p[4:],  # a character outside the alphabet
        lambda p: p[:4] + "=" + p[4:],  # padding in the middle
    ],
    ids=["surplus-padding", "space", "inner-padding"],
)
def test_identity_signed_payload_must_be_strict_base64url(spoil: Any) -> None:
    """Only the canonical spelling of the claims is read, even when correctly signed."""
    # Claims whose encoding ends in a partial quad (the case a lenient decoder pads loosely).
    payload = next(
        p for n in range(4) if len(p := _signed_claims(name="C" * n).split(".")[0]) % 4 == 2
    )
    assert verify_token(_signed(payload), SECRET, now=NOW).sub == "abc123"
    assert str(_refused_as_invalid(_signed(spoil(payload)))) == "bad base64"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"sub": ...}, "missing claims"),
        ({"sub": ""}, "missing claims"),
        ({"sub": 42}, "missing claims"),
        ({"email": ...}, "missing claims"),
        ({"email": None}, "missing claims"),
        ({"name": ...}, "missing claims"),
        ({"name": ["Camille"]}, "missing claims"),
        ({"siret": 88234567800016}, "bad siret"),
        ({"iat": ...}, "bad dates"),
        ({"iat": str(int(NOW))}, "bad dates"),
        ({"iat": True}, "bad dates"),
        ({"exp": ...}, "bad dates"),
        ({"exp": float(NOW + 60)}, "bad dates"),
        ({"exp": True}, "bad dates"),
    ],
)
def test_identity_signed_bad_claims_are_refused(overrides: dict[str, Any], reason: str) -> None:
    assert str(_refused_as_invalid(_signed_claims(**overrides))) == reason


def test_identity_signed_minimal_claims_are_accepted() -> None:
    """Empty e-mail and name are strings: accepted (the portal decides what it fills in)."""
    verified = verify_token(_signed_claims(email="", name="", siret=...), SECRET, now=NOW)
    assert (verified.email, verified.name, verified.siret) == ("", "", None)


# --- secrets --------------------------------------------------------------------------------


def test_identity_secret_setting_wins() -> None:
    settings = Settings(identity_secret="from-settings", environment="production")
    assert identity_secret(settings) == b"from-settings"


def test_identity_secret_is_required_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingSecret):
        identity_secret(Settings(identity_secret=None, environment="production"))
    with pytest.raises(MissingSecret):
        identity_secret(Settings(identity_secret="", environment="production"))
    # As deployed: the value read from the environment is equal to, not the same object as,
    # the literal "production" (catches an ``is`` comparison).
    monkeypatch.setenv("ASSISTANT_ENVIRONMENT", "".join(["produc", "tion"]))
    monkeypatch.delenv("ASSISTANT_IDENTITY_SECRET", raising=False)
    with pytest.raises(MissingSecret):
        identity_secret(Settings())


def test_identity_secret_generated_once_in_development(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "checkout" / "var" / "identity.secret"  # folders created as needed
    monkeypatch.setattr(identity, "IDENTITY_SECRET_FILE", path)
    settings = Settings(identity_secret=None, environment="development")
    first = identity_secret(settings)
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert path.read_text(encoding="ascii") == first.decode() + "\n"
    assert len(base64.urlsafe_b64decode(first + b"=")) == 32  # 32 random bytes, base64url
    assert identity_secret(settings) == first


@pytest.mark.parametrize("environment", ["test", "staging", "development"])
def test_identity_secret_outside_production_is_generated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setattr(identity, "IDENTITY_SECRET_FILE", tmp_path / "identity.secret")
    assert identity_secret(Settings(identity_secret=None, environment=environment))


def test_identity_secret_existing_file_is_read_stripped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "identity.secret"
    path.write_text("  du-fichier \n", encoding="ascii")
    monkeypatch.setattr(identity, "IDENTITY_SECRET_FILE", path)
    assert identity_secret(Settings(identity_secret="", environment="development")) == (
        b"du-fichier"
    )


def test_identity_secret_created_meanwhile_by_another_process_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers start together: the second one reads the first one's key, never overwrites."""
    path = tmp_path / "identity.secret"
    monkeypatch.setattr(identity, "IDENTITY_SECRET_FILE", path)
    real_open = os.open

    def other_worker_first(file: Any, flags: int, mode: int = 0o777) -> int:
        path.write_text("cle-de-l-autre-worker\n", encoding="ascii")
        return real_open(file, flags, mode)

    monkeypatch.setattr(identity.os, "open", other_worker_first)
    assert identity_secret(Settings(identity_secret=None, environment="development")) == (
        b"cle-de-l-autre-worker"
    )
    assert path.read_text(encoding="ascii") == "cle-de-l-autre-worker\n"


def test_identity_portal_key_absent_in_production_is_none() -> None:
    assert portal_api_key(Settings(portal_api_key=None, environment="production")) is None


def test_identity_portal_key_setting_or_development_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert portal_api_key(Settings(portal_api_key="cle", environment="production")) == "cle"
    path = tmp_path / "portal-api.key"
    monkeypatch.setattr(identity, "PORTAL_API_KEY_FILE", path)
    generated = portal_api_key(Settings(portal_api_key=None, environment="development"))
    assert generated and path.read_text(encoding="ascii").strip() == generated


def test_identity_ensure_secrets_in_production(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(MissingSecret):
        ensure_secrets(Settings(identity_secret=None, portal_api_key="k", environment="production"))
    with caplog.at_level(logging.ERROR, logger="portal.identity"):
        ensure_secrets(Settings(identity_secret="s", portal_api_key=None, environment="production"))
    assert "ASSISTANT_PORTAL_API_KEY" in caplog.text
    caplog.clear()
    ensure_secrets(Settings(identity_secret="s", portal_api_key="k", environment="production"))
    # Only this module's records: another test's background thread may log meanwhile.
    assert [r.getMessage() for r in caplog.records if r.name == "portal.identity"] == []

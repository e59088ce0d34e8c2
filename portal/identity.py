"""Signed identity tokens: who the portal says the user is, verifiable by the web app and actions.

A token is ``base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, first part))``,
without padding. Claims: ``sub`` (stable account id), ``email``, ``name``, ``siret`` (or
``null``), ``iat`` and ``exp`` (Unix seconds). The host portal signs it with the shared
secret and hands it to the widget; the demo login yields the same token in its cookie.

The secret is the ``identity_secret`` setting. Production refuses to start without it;
in development and tests a random one is generated once into ``var/identity.secret``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeGuard

from pydantic import SecretStr

from portal.settings import PortalSettings
from storage.paths import REPO_ROOT

logger = logging.getLogger(__name__)

IDENTITY_SECRET_FILE = REPO_ROOT / "var" / "identity.secret"
PORTAL_API_KEY_FILE = REPO_ROOT / "var" / "portal-api.key"
MAX_TOKEN_CHARS = 4096
# Create the file, failing if it exists. The flags are disjoint bits, so ``|``, ``^`` and ``+``
# combine them alike: mutants of this line are equivalent.
_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL  # pragma: no mutate
CLOCK_SKEW_S = 60  # tolerated drift between the portal's clock and ours (iat in the future)
EXPIRED_DETAIL = "Votre session a expiré : reconnectez-vous au portail."
INVALID_DETAIL = "Votre identité n'a pas pu être vérifiée : reconnectez-vous au portail."


class InvalidToken(Exception):
    """The token is malformed, tampered with or signed with another secret."""

    detail = INVALID_DETAIL


class ExpiredToken(InvalidToken):
    """The token was valid but its ``exp`` has passed."""

    detail = EXPIRED_DETAIL


class MissingSecret(RuntimeError):
    """Production without a configured secret."""


@dataclass(frozen=True)
class Identity:
    """The verified claims of a token."""

    sub: str
    email: str
    name: str
    siret: str | None  # pragma: no mutate (annotation)
    iat: int
    exp: int

    def claims(self) -> dict[str, Any]:
        return asdict(self)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url: characters outside the alphabet or surplus padding are refused."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("bad base64") from exc


def _mac(secret: bytes, payload: str) -> bytes:
    return hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest()


def sign_identity(
    secret: bytes,
    *,
    sub: str,
    email: str,
    name: str,
    siret: str | None,  # pragma: no mutate (annotation)
    ttl_s: int,
    now: float | None = None,  # pragma: no mutate (annotation)
) -> str:
    """A token for these claims, valid ``ttl_s`` seconds from ``now``."""
    issued = int(time.time() if now is None else now)
    claims = {
        "sub": sub,
        "email": email,
        "name": name,
        "siret": siret,
        "iat": issued,
        "exp": issued + ttl_s,
    }
    payload = _b64encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload}.{_b64encode(_mac(secret, payload))}"


def verify_token(
    token: str,
    secret: bytes,
    now: float | None = None,  # pragma: no mutate (annotation)
) -> Identity:
    """The identity of a valid token; raise :class:`ExpiredToken` or :class:`InvalidToken`.

    The signature is compared in constant time, as its canonical unpadded base64url text,
    before the claims are even parsed; exactly one spelling of a token verifies.
    """
    if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise InvalidToken("malformed")
    try:
        token.encode("ascii")
    except UnicodeEncodeError as exc:
        raise InvalidToken("non-ascii") from exc
    payload, signature = token.split(".")
    # Compare the canonical encoding, not the decoded bytes: a lenient base64 decoder would
    # accept several spellings of one signature (``+`` for ``-``, changed trailing bits).
    expected = _b64encode(_mac(secret, payload)).encode("ascii")
    if not hmac.compare_digest(expected, signature.encode("ascii")):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(_b64decode(payload))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("bad claims") from exc
    if not isinstance(claims, dict):
        raise InvalidToken("bad claims")
    identity = _identity_from_claims(claims)
    current = time.time() if now is None else now
    if identity.exp <= current:
        raise ExpiredToken("expired")
    if identity.iat > current + CLOCK_SKEW_S:
        raise InvalidToken("issued in the future")
    return identity


def _is_timestamp(value: object) -> TypeGuard[int]:
    """A JWT date (seconds since the epoch): an int, and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _identity_from_claims(claims: dict[str, Any]) -> Identity:
    sub, email, name, siret = (claims.get(k) for k in ("sub", "email", "name", "siret"))
    iat, exp = claims.get("iat"), claims.get("exp")
    if not (isinstance(sub, str) and sub and isinstance(email, str) and isinstance(name, str)):
        raise InvalidToken("missing claims")
    if siret is not None and not isinstance(siret, str):
        raise InvalidToken("bad siret")
    if not (_is_timestamp(iat) and _is_timestamp(exp)):
        raise InvalidToken("bad dates")
    return Identity(sub=sub, email=email, name=name, siret=siret, iat=iat, exp=exp)


def _secret_from(
    value: SecretStr | None,  # pragma: no mutate (annotation)
    path: Path,
    settings: PortalSettings,
    what: str,
) -> str | None:  # pragma: no mutate (annotation)
    """The configured value, else a development file created on first use (0600)."""
    if value is not None and value.get_secret_value():
        return value.get_secret_value()
    if settings.environment == "production":
        return None
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, _CREATE_NEW, 0o600)
    except FileExistsError:  # another process created it meanwhile
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(generated + "\n")
    logger.warning("%s absent des réglages : clé de développement créée dans %s", what, path)
    return generated


def identity_secret(settings: PortalSettings) -> bytes:
    """The HMAC key of identity tokens (see the module docstring)."""
    value = _secret_from(
        settings.identity_secret, IDENTITY_SECRET_FILE, settings, "ASSISTANT_IDENTITY_SECRET"
    )
    if value is None:
        raise MissingSecret("ASSISTANT_IDENTITY_SECRET must be set in production.")
    return value.encode()


def portal_api_key(settings: PortalSettings) -> str | None:  # pragma: no mutate (annotation)
    """The key of the portal feed API; None in production when unset (the API then refuses)."""
    return _secret_from(
        settings.portal_api_key, PORTAL_API_KEY_FILE, settings, "ASSISTANT_PORTAL_API_KEY"
    )


def ensure_secrets(settings: PortalSettings) -> None:
    """Fail fast at start-up: production needs both secrets; development creates them."""
    identity_secret(settings)
    if portal_api_key(settings) is None:
        logger.error("ASSISTANT_PORTAL_API_KEY absent : l'API du portail refusera tout appel.")

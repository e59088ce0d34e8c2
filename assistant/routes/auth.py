"""Demo portal login: ``POST /api/auth/login``, ``POST /api/auth/logout``, ``GET /api/auth/me``.

The session cookie holds the same signed identity token the host portal would give the
widget (HttpOnly, SameSite=Lax, Secure when the request came over HTTPS). Logins are
rate-limited per client address, and an account is locked after repeated failures.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from assistant.config import Settings
from assistant.deps import SessionDep, SettingsDep
from portal.accounts.revocations import LoggedOut, is_revoked, revoke
from portal.accounts.service import LoginOutcome, authenticate
from portal.identity import (
    Identity,
    InvalidToken,
    identity_secret,
    sign_identity,
    verify_token,
)
from storage.db import get_sessionmaker
from web_common.rate_limit import RateLimiter, app_limiter

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/auth", tags=["authentification"])

INVALID_CREDENTIALS = "Adresse électronique ou mot de passe incorrect."
LOCKED = (
    "Trop de tentatives de connexion infructueuses : ce compte est temporairement bloqué. "
    "Réessayez dans {minutes} minutes ou utilisez « Mot de passe oublié ? »."
)
TOO_MANY = "Trop de tentatives de connexion depuis votre adresse : patientez une minute."
NOT_LOGGED_IN = "Vous n'êtes pas connecté."


class LoginRequest(BaseModel):
    email: str = Field(max_length=254, examples=["demo.siret@exemple.fr"])
    password: str = Field(max_length=256)


class IdentityResponse(BaseModel):
    """The logged-in user; ``identity_token`` is what the widget passes to ``/api/chat``."""

    sub: str
    email: str
    name: str
    siret: str | None
    expires_at: int
    identity_token: str


def _identity_response(identity: Identity, token: str) -> IdentityResponse:
    return IdentityResponse(
        sub=identity.sub,
        email=identity.email,
        name=identity.name,
        siret=identity.siret,
        expires_at=identity.exp,
        identity_token=token,
    )


def _login_limiter(request: Request, settings: Settings) -> RateLimiter:
    return app_limiter(request.app.state, "login", settings.login_rate_limit_per_client)


def verified(token: str, settings: Settings) -> Identity:
    """The identity of ``token``; :class:`InvalidToken` when it does not verify, has expired
    or was ended by a logout (:class:`LoggedOut`)."""
    identity = verify_token(token, identity_secret(settings))
    with get_sessionmaker()() as session:
        if is_revoked(session, token):
            raise LoggedOut
    return identity


def cookie_identity(request: Request, settings: Settings) -> tuple[Identity, str] | None:
    """The identity of the session cookie; None without cookie; raise if it is invalid."""
    token = request.cookies.get(settings.session_cookie_name)
    if not token:
        return None
    return verified(token, settings), token


def resolve_identity(
    request: Request, settings: Settings, body_token: str | None
) -> tuple[Identity, str] | None:
    """The caller's verified identity: the token sent by the widget, else the session cookie.

    None when there is neither (anonymous); :class:`InvalidToken` (or ``ExpiredToken``)
    when the one presented does not verify.
    """
    if body_token:
        return verified(body_token, settings), body_token
    return cookie_identity(request, settings)


@router.post(
    "/login",
    response_model=IdentityResponse,
    responses={401: {"description": "Identifiants incorrects"}, 429: {"description": "Bloqué"}},
)
async def login(
    body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> IdentityResponse | JSONResponse:
    """Check the e-mail and password, then set the session cookie."""
    client = request.client.host if request.client else "unknown"
    limiter = _login_limiter(request, settings)
    if not limiter.allow(client):
        logger.warning("auth.rate_limited client=%s", client)
        return JSONResponse(
            {"detail": TOO_MANY},
            status_code=429,
            headers={"Retry-After": str(max(limiter.retry_after(client), 1))},
        )
    result = authenticate(
        session,
        body.email,
        body.password,
        max_failures=settings.login_max_failures,
        lockout_s=settings.login_lockout_s,
    )
    if result.outcome is LoginOutcome.LOCKED:
        minutes = max(1, -(-settings.login_lockout_s // 60))
        return JSONResponse({"detail": LOCKED.format(minutes=minutes)}, status_code=429)
    if result.outcome is LoginOutcome.INVALID or result.user is None:
        logger.info("auth.login_failed client=%s", client)
        return JSONResponse({"detail": INVALID_CREDENTIALS}, status_code=401)
    user = result.user
    token = sign_identity(
        identity_secret(settings),
        sub=user.public_id,
        email=user.email,
        name=user.name,
        siret=user.siret,
        ttl_s=settings.identity_ttl_s,
    )
    identity = verify_token(token, identity_secret(settings))
    response = JSONResponse(_identity_response(identity, token).model_dump())
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=settings.identity_ttl_s,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    logger.info("auth.login user=%s", user.public_id)
    return response


@router.post("/logout", status_code=204)
async def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """End the session: its token is refused from now on (server side), and the cookie is
    dropped."""
    token = request.cookies.get(settings.session_cookie_name)
    if token:
        try:
            identity = verify_token(token, identity_secret(settings))
        except InvalidToken:
            identity = None  # expired or forged: nothing to revoke
        if identity is not None:
            revoke(session, token, identity.exp)
            logger.info("auth.logout user=%s", identity.sub)
    response = Response(status_code=204)
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/me", response_model=IdentityResponse, responses={401: {"description": "Anonyme"}})
async def me(request: Request, settings: SettingsDep) -> IdentityResponse | JSONResponse:
    """The logged-in user and the identity token for the widget; 401 when anonymous."""
    try:
        found = cookie_identity(request, settings)
    except InvalidToken as exc:
        return JSONResponse({"detail": exc.detail}, status_code=401)
    if found is None:
        return JSONResponse({"detail": NOT_LOGGED_IN}, status_code=401)
    return _identity_response(*found)

"""Authentication of agents on the web: the console cookie, CSRF checks, FastAPI dependencies.

The cookie is HttpOnly, SameSite=Strict, Secure when the request came over HTTPS. Forms carry
the session's CSRF token in a hidden field; the JSON API wants it in ``X-CSRF-Token`` on every
state-changing request. The portal's user session (another cookie) never grants access here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.orm import Session

from storage.db import get_session
from support_tickets.auth import NewSession, csrf_matches, session_for_token
from support_tickets.config import get_support_settings
from support_tickets.models import AgentSession

CSRF_HEADER = "X-CSRF-Token"
LOGIN_CSRF_COOKIE = "agent_login_csrf"
NOT_LOGGED_IN = "Connexion requise : identifiez-vous avec votre compte agent."
SUPERVISORS_ONLY = "Cette page est réservée aux superviseurs."
CSRF_REFUSED = "Jeton de sécurité (CSRF) absent ou invalide : rechargez la page et réessayez."


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, new: NewSession) -> None:
    settings = get_support_settings()
    response.set_cookie(
        settings.session_cookie,
        new.token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        get_support_settings().session_cookie,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def session_token(request: Request) -> str | None:
    return request.cookies.get(get_support_settings().session_cookie)


def optional_agent_session(
    request: Request, db: Annotated[Session, Depends(get_session)]
) -> AgentSession | None:
    return session_for_token(db, session_token(request))


def api_agent_session(
    request: Request, current: Annotated[AgentSession | None, Depends(optional_agent_session)]
) -> AgentSession:
    """JSON API: 401 without a live agent session, 403 without the CSRF header on writes."""
    if current is None:
        raise HTTPException(401, NOT_LOGGED_IN)
    if request.method not in ("GET", "HEAD", "OPTIONS") and not csrf_matches(
        current.csrf_token, request.headers.get(CSRF_HEADER)
    ):
        raise HTTPException(403, CSRF_REFUSED)
    return current


def api_supervisor_session(
    current: Annotated[AgentSession, Depends(api_agent_session)],
) -> AgentSession:
    if not current.agent.is_supervisor:
        raise HTTPException(403, SUPERVISORS_ONLY)
    return current


class LoginRequired(Exception):
    """Raised by console dependencies; the console turns it into a redirect to the login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def page_agent_session(
    request: Request, current: Annotated[AgentSession | None, Depends(optional_agent_session)]
) -> AgentSession:
    if current is None:
        raise LoginRequired(request.url.path)
    return current


ApiAgent = Annotated[AgentSession, Depends(api_agent_session)]
ApiSupervisor = Annotated[AgentSession, Depends(api_supervisor_session)]
PageAgent = Annotated[AgentSession, Depends(page_agent_session)]
DbSession = Annotated[Session, Depends(get_session)]

"""The console's login and logout (``/console/login``, ``/console/logout``).

The login form carries a double-submit token (an HttpOnly cookie and a hidden field), since
there is no agent session yet; the logout form the session's CSRF token. Login attempts are
limited per client like the JSON API's (:func:`support_tickets.api.login_retry_after`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from support_tickets import auth
from support_tickets.api import TOO_MANY_LOGINS, login_retry_after
from support_tickets.console_page import (
    CSRF_PAGE_ERROR,
    DEFAULT_NEXT,
    check_csrf,
    error_page,
    render_page,
    safe_next,
)
from support_tickets.errors import LoginError
from support_tickets.models import Agent
from support_tickets.web_auth import (
    LOGIN_CSRF_COOKIE,
    DbSession,
    PageAgent,
    clear_session_cookie,
    is_https,
    session_token,
    set_session_cookie,
)

router = APIRouter(prefix="/console", include_in_schema=False)


def _login_form(
    request: Request,
    next_path: str | None,
    *,
    error: str = "",
    email: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The login page with a fresh double-submit token (cookie and hidden field)."""
    token = secrets.token_urlsafe(32)
    context = {"login_csrf": token, "next": safe_next(next_path)}
    if error:
        context.update(error=error, email=email)
    response = render_page(request, "console/login.html", context, status_code=status_code)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/console",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, suivant: str | None = None) -> HTMLResponse:
    return _login_form(request, suivant)


@dataclass(frozen=True)
class LoginAttempt:
    """The agent who logged in, or the French error, its status code and, when the client
    tried too often, the seconds to wait."""

    agent: Agent | None
    error: str = ""
    status_code: int = 200
    retry_after_s: int | None = None


def _attempt_login(
    request: Request, db: Session, email: str, password: str, csrf_token: str
) -> LoginAttempt:
    """Count the attempt, check the double-submit token, then the credentials."""
    wait_s = login_retry_after(request)
    if wait_s is not None:
        return LoginAttempt(None, TOO_MANY_LOGINS, 429, wait_s)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not auth.csrf_matches(expected, csrf_token):
        return LoginAttempt(None, CSRF_PAGE_ERROR, 403)
    try:
        return LoginAttempt(auth.authenticate(db, email=email, password=password))
    except LoginError as exc:
        return LoginAttempt(None, exc.message, 401)


@router.post("/login", response_model=None)
def login_submit(
    request: Request,
    db: DbSession,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    suivant: Annotated[str, Form(max_length=300)] = DEFAULT_NEXT,
) -> Response:
    attempt = _attempt_login(request, db, email, password, csrf_token)
    if attempt.agent is None:
        response = _login_form(
            request, suivant, error=attempt.error, email=email, status_code=attempt.status_code
        )
        if attempt.retry_after_s is not None:
            response.headers["Retry-After"] = str(attempt.retry_after_s)
        return response
    new = auth.open_session(db, attempt.agent)
    redirect = RedirectResponse(safe_next(suivant), status_code=303)
    set_session_cookie(request, redirect, new)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return redirect


@router.post("/logout", response_model=None)
def logout(
    request: Request,
    current: PageAgent,
    db: DbSession,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not check_csrf(current, csrf_token):
        return error_page(request, current, CSRF_PAGE_ERROR, 403)
    auth.close_session(db, session_token(request))
    redirect = RedirectResponse("/console/login", status_code=303)
    clear_session_cookie(request, redirect)
    return redirect

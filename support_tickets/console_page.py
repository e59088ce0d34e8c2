"""What every page of the agents' console shares: rendering with the agent and the CSRF
token, the error page, the CSRF check of forms, and where to go after the login."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from support_tickets import auth
from support_tickets.models import AgentSession
from support_tickets.templating import templates

CSRF_FIELD = "csrf_token"
CSRF_PAGE_ERROR = "Le formulaire a expiré (jeton de sécurité invalide) : rechargez la page."
DEFAULT_NEXT = "/console/tickets"


def safe_next(path: str | None) -> str:
    """Only paths of the console are followed after the login (no open redirect)."""
    if path and path.startswith("/console/") and not path.startswith("//") and "\\" not in path:
        return path
    return DEFAULT_NEXT


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    current: AgentSession | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A console page, never cached nor framed; ``current`` gives the agent and the token."""
    base = {
        "agent": current.agent if current else None,
        "csrf_token": current.csrf_token if current else None,
    }
    response = templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def check_csrf(current: AgentSession, token: str | None) -> bool:
    """Whether a form carries the agent session's CSRF token."""
    return auth.csrf_matches(current.csrf_token, token)


def error_page(
    request: Request, current: AgentSession, message: str, status_code: int
) -> HTMLResponse:
    """The error page with its French message."""
    return render_page(request, "console/error.html", {"message": message}, current, status_code)

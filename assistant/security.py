"""HTTP security headers on every response (OWASP secure headers, ANSSI recommendations)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# Pages that must never be framed by another site (clickjacking of agents' actions).
NO_FRAME_PREFIXES = ("/console", "/api/agent", "/support")


def install_security_headers(app: FastAPI) -> None:
    """Add the headers; the console and the support form also refuse to be framed."""

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(NO_FRAME_PREFIXES):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        return response

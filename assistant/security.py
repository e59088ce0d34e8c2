"""HTTP security headers on every response (OWASP secure headers, ANSSI recommendations).

Every page carries a Content-Security-Policy: scripts, connections and forms only to this
origin, no plug-ins, no framing by any site (clickjacking of the login box, the console and
the support form). Styles may be inline because the DSFR's scripts set style attributes;
pages carry no inline script (a test renders each page and checks it). The widget is not
concerned: it runs in the host portal's page under the host's policy and reaches this
origin through CORS. The interactive API reference (``/api/docs``, ``/api/redoc``) loads
FastAPI's Swagger/ReDoc assets with an inline script, so it gets the framing rule only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "X-Frame-Options": "DENY",
}
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
FRAMING_ONLY_POLICY = "frame-ancestors 'none'"
API_REFERENCE_PREFIXES = ("/api/docs", "/api/redoc")


def install_security_headers(app: FastAPI) -> None:
    """Add the headers and the content security policy to every response."""

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        policy = (
            FRAMING_ONLY_POLICY
            if request.url.path.startswith(API_REFERENCE_PREFIXES)
            else CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        return response

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

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class SecurityHeaders:
    """The pure ASGI middleware that adds :data:`SECURITY_HEADERS` and the content security
    policy to each response's start message. A plain ASGI wrapper, not Starlette's
    ``BaseHTTPMiddleware`` (``@app.middleware``): that one runs every request in a task
    group with memory streams (BENCHMARKS.md, session 11: the web app's CPU per chat
    message) and wraps streamed bodies such as the widget's live events."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = (
            FRAMING_ONLY_POLICY
            if scope["path"].startswith(API_REFERENCE_PREFIXES)
            else CONTENT_SECURITY_POLICY
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    """Add the headers and the content security policy to every response."""
    app.add_middleware(SecurityHeaders)

"""The FastAPI application: chat gateway, health, pages and documentation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.chat.replicas import make_gateway
from assistant.chat.schemas import ErrorResponse
from assistant.config import Settings, get_settings
from assistant.errors import install_error_handlers
from assistant.health import HealthProbe
from assistant.retention import purge_periodically
from assistant.routes import (
    auth,
    chat,
    chat_erasure,
    chat_events,
    chat_history,
    docs,
    health,
    pages,
    portal,
)
from assistant.routes import legal as legal_pages
from assistant.routes import support as support_form
from assistant.scale_out import action_server_urls, rasa_urls
from assistant.security import install_security_headers
from assistant.templating import TEMPLATES_DIR
from storage.db import get_engine
from support_tickets.console import install_support
from support_tickets.faq_routes import router as faq_drafts_router
from support_tickets.pilotage_routes import install_pilotage
from web_common.rate_limit import app_limiter
from web_common.redis_events import shared_live_events
from web_common.redis_rate_limit import RedisLimiterFactory

logger = logging.getLogger(__name__)

STATIC_DIR = TEMPLATES_DIR.parent / "static"
PORTAL_KEY_REFUSED = {"model": ErrorResponse, "description": "Clé d'API absente ou invalide"}


def mount_dsfr(app: FastAPI, dist_dir: Path) -> bool:
    """Serve the DSFR design system (installed by `npm ci`) at /static/dsfr."""
    if not (dist_dir / "dsfr.min.css").is_file():
        logger.error(
            "DSFR introuvable dans %s : lancez `npm ci` à la racine du projet "
            "(les pages s'afficheront sans le système de design de l'État).",
            dist_dir,
        )
        return False
    app.mount("/static/dsfr", StaticFiles(directory=dist_dir), name="dsfr")
    return True


def _install_cors(app: FastAPI, settings: Settings) -> None:
    """Let the host portals of ``cors_allowed_origins`` call the API from the widget."""
    origins = [o.strip() for o in settings.cors_allowed_origins.split(",") if o.strip()]
    if origins:  # a host portal on another origin embeds the widget
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "DELETE"],  # DELETE: « Effacer la conversation »
            allow_headers=["Content-Type", "X-Conversation-Key", "X-Identity-Token"],
        )


class WorkerPidHeader:
    """``X-Worker-Pid`` on every answer, in the test environment only: the scale-out test
    tells the uvicorn workers apart (a pid says nothing worth hiding, but production has no
    use for it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.header = (b"x-worker-pid", str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_pid(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), self.header]
            await send(message)

        await self.app(scope, receive, send_with_pid if scope["type"] == "http" else send)


def _include_routes(app: FastAPI) -> None:
    app.include_router(chat.router)
    app.include_router(chat_history.router)
    app.include_router(chat_erasure.router)  # « Effacer la conversation » (issue 15)
    app.include_router(chat_events.router)  # the widget's live stream (issue 13)
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(docs.router)  # /docs, /docs/recherche, /docs/{slug}
    app.include_router(legal_pages.router)  # the footer's pages: accessibilité, mentions, données
    app.include_router(auth.router)
    # The portal feed API refuses every request without its key (portal.require_api_key).
    app.include_router(portal.router, responses={401: PORTAL_KEY_REFUSED})
    app.include_router(support_form.router)  # the /support web form (issue 5)
    install_support(app)  # agents' JSON API /api/agent and console /console (issue 5)
    install_pilotage(app)  # supervisors' charts /console/pilotage (issue 15)
    app.include_router(faq_drafts_router)  # FAQ drafts /console/brouillons (issue 15)


def create_app(
    settings: Settings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the app; its HTTP client, gateway and probes live for the app's lifetime.

    ``transport`` replaces the network for tests of the gateway alone.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            httpx.AsyncClient(transport=transport) as client,
            shared_live_events(settings.redis_url, settings.redis_key_prefix),  # issue 17
        ):
            app.state.gateway = make_gateway(client, settings)  # replicas: issue 17
            app.state.health = HealthProbe(
                client,
                rasa_urls(settings),
                action_server_urls(settings),
                get_engine(),
                settings.health_timeout_s,
                settings.rasa_token,
            )
            purge = asyncio.create_task(purge_periodically())  # chat retention (daily)
            yield
            purge.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purge

    app = FastAPI(
        title="Claude — assistant virtuel de Chorus Portal Pro",
        description="API de l'assistant : conversation, santé des composants, documentation.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",  # /docs is the user guides
        redoc_url=None,
    )
    # The limiters live in app.state.rate_limiters (web_common.rate_limit.app_limiter); the
    # chat's are made now, from this app's settings, the others on first use; in Redis, shared
    # by every worker, when the settings name one.
    if settings.redis_url:
        app.state.limiter_factory = RedisLimiterFactory(
            settings.redis_url, settings.redis_key_prefix
        )
    app_limiter(app.state, "session", settings.rate_limit_per_session)
    app_limiter(app.state, "client", settings.rate_limit_per_client)
    install_error_handlers(app)
    install_security_headers(app)
    if settings.environment == "test":
        app.add_middleware(WorkerPidHeader)
    _install_cors(app, settings)
    _include_routes(app)
    app.state.widget_allowed_domains = settings.widget_allowed_domains
    mount_dsfr(app, settings.dsfr_dist_dir)  # before /static, which would shadow it
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


app = create_app()

"""The FastAPI application: chat gateway, health, pages and documentation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assistant.chat.gateway import RasaGateway
from assistant.chat.rate_limit import RateLimiter
from assistant.config import Settings, get_settings
from assistant.db import get_engine
from assistant.errors import install_error_handlers
from assistant.health import HealthProbe
from assistant.routes import chat, docs, health, pages
from assistant.templating import TEMPLATES_DIR

STATIC_DIR = TEMPLATES_DIR.parent / "static"


def create_app(
    settings: Settings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the app; its HTTP client, gateway and probes live for the app's lifetime.

    ``transport`` replaces the network for tests of the gateway alone.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(transport=transport) as client:
            app.state.gateway = RasaGateway(
                client, settings.rasa_url, settings.rasa_timeout_s, settings.rasa_token
            )
            app.state.health = HealthProbe(
                client,
                settings.rasa_url,
                settings.action_server_url,
                get_engine(),
                settings.health_timeout_s,
                settings.rasa_token,
            )
            yield

    app = FastAPI(
        title="Claude — assistant virtuel de Chorus Portal Pro",
        description="API de l'assistant : conversation, santé des composants, documentation.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",  # /docs is the user guides
        redoc_url=None,
    )
    app.state.rate_limiters = {
        "session": RateLimiter(settings.rate_limit_per_session),
        "client": RateLimiter(settings.rate_limit_per_client),
    }
    install_error_handlers(app)
    app.include_router(chat.router)
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(docs.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


app = create_app()

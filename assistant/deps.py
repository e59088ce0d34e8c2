"""Typed FastAPI dependencies shared by the routes.

Each is an ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool, and
those hops (two for a generator: enter and exit) were an eighth of the web app's CPU per
chat message under load (BENCHMARKS.md, session 11). None of them waits on anything.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from assistant.chat.gateway import RasaGateway
from assistant.config import Settings, get_settings
from storage.db import get_session


async def current_settings() -> Settings:
    """The process-wide settings (:func:`assistant.config.get_settings`); tests override
    this dependency to serve other settings."""
    return get_settings()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(current_settings)]


async def get_gateway(request: Request) -> RasaGateway:
    gateway: RasaGateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[RasaGateway, Depends(get_gateway)]

"""Typed FastAPI dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from assistant.chat.gateway import RasaGateway
from assistant.config import Settings, get_settings
from storage.db import get_session

SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_gateway(request: Request) -> RasaGateway:
    gateway: RasaGateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[RasaGateway, Depends(get_gateway)]

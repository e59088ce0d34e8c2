"""Health probes of the web app's dependencies: Rasa, the action server, the database; with
several replicas (issue 17), each component says how many there are and how many answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import Engine

from storage.db import ping

logger = logging.getLogger(__name__)


def _urls(url: str | Sequence[str]) -> list[str]:
    return [u.rstrip("/") for u in ([url] if isinstance(url, str) else url)]


def counted(replicas: list[dict[str, Any]]) -> dict[str, Any]:
    """One component's state over its replicas: ``ok`` when all answer, ``degraded`` when
    some do, ``down`` when none does; with how many there are and how many answer. One
    replica: its own state, counted."""
    up = sum(r["status"] == "ok" for r in replicas)
    summary = dict(replicas[0]) if len(replicas) == 1 else {}
    if len(replicas) > 1:
        summary["status"] = "ok" if up == len(replicas) else "degraded" if up else "down"
    return {**summary, "replicas": len(replicas), "up": up}


class HealthProbe:
    """Probe each component (every Rasa replica and action server) with a short timeout;
    never raises."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        rasa_url: str | Sequence[str],
        action_server_url: str | Sequence[str],
        engine: Engine,
        timeout_s: float,
        rasa_token: str | None,
    ) -> None:
        self._client = client
        self._rasa_urls = _urls(rasa_url)
        self._action_urls = _urls(action_server_url)
        self._engine = engine
        self._timeout_s = timeout_s
        self._rasa_token = rasa_token

    async def rasa(self) -> dict[str, Any]:
        return counted(list(await asyncio.gather(*map(self._rasa_one, self._rasa_urls))))

    async def _rasa_one(self, rasa_url: str) -> dict[str, Any]:
        try:
            if self._rasa_token:
                response = await self._client.get(
                    f"{rasa_url}/status",
                    params={"token": self._rasa_token},
                    timeout=self._timeout_s,
                )
                data = response.json() if response.status_code == 200 else {}
                if not data.get("model_file"):
                    return {"status": "down", "detail": "aucun modèle chargé"}
                return {"status": "ok", "model": data.get("model_file")}
            response = await self._client.get(rasa_url + "/", timeout=self._timeout_s)
            ok = response.status_code == 200
            return {"status": "ok" if ok else "down"}
        except (httpx.HTTPError, ValueError) as exc:
            return {"status": "down", "detail": type(exc).__name__}

    async def action_server_ok(self) -> bool:
        """Whether every action server answers (a conversation's replica calls its own)."""
        status: str = (await self.action_server())["status"]
        return status == "ok"

    async def action_server(self) -> dict[str, Any]:
        return counted(list(await asyncio.gather(*map(self._action_one, self._action_urls))))

    async def _action_one(self, action_url: str) -> dict[str, Any]:
        try:
            response = await self._client.get(action_url + "/health", timeout=self._timeout_s)
            return {"status": "ok" if response.status_code == 200 else "down"}
        except httpx.HTTPError as exc:
            return {"status": "down", "detail": type(exc).__name__}

    async def database(self) -> dict[str, Any]:
        try:
            await asyncio.to_thread(ping, self._engine)
            return {"status": "ok", "dialect": self._engine.dialect.name}
        except Exception as exc:  # any driver error means "down"
            logger.error("health.database_down error=%r", exc)
            return {"status": "down", "detail": type(exc).__name__}

    async def report(self) -> dict[str, Any]:
        rasa, actions, database = await asyncio.gather(
            self.rasa(), self.action_server(), self.database()
        )
        components = {
            "web": {"status": "ok"},
            "rasa": rasa,
            "action_server": actions,
            "database": database,
        }
        status = "ok" if all(c["status"] == "ok" for c in components.values()) else "degraded"
        return {"status": status, "components": components}

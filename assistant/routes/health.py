"""``GET /health``: the state of the web app, Rasa, the action server and the database."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    """200 when every component answers, 503 (same body) when one is down."""
    report = await request.app.state.health.report()
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


@router.get("/health/live")
async def live() -> JSONResponse:
    """200 while the web app itself serves requests, whatever Rasa and the action server do
    (the supervisor's liveness probe: it must not restart the web app for their faults)."""
    return JSONResponse({"status": "ok"})

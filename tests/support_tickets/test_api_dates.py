"""Every date-time of the agents' API says its time zone: UTC, ISO 8601 with « Z » or « +00:00 »
(SQLite gives stored date-times back without one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from support_tickets import service
from support_tickets.models import Agent
from tests.support_tickets.conftest import api_login, unique_email

DATE_KEYS = ("_at", "_due")


def _dates(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """The (path, value) of every date-time in a JSON answer (keys ending in _at or _due)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith(DATE_KEYS) and isinstance(item, str):
                yield f"{path}.{key}", item
            else:
                yield from _dates(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _dates(item, f"{path}[{index}]")


def _assert_utc(answer: Any) -> int:
    dates = list(_dates(answer))
    for path, text in dates:
        assert text.endswith(("Z", "+00:00")), (path, text)
        assert dt.datetime.fromisoformat(text).utcoffset() == dt.timedelta(0), (path, text)
    return len(dates)


def test_api_ticket_dates_are_utc_with_their_offset(
    client: TestClient, db: Session, supervisor: Agent
) -> None:
    ticket = service.create_ticket(
        db, email=unique_email(), category="compte", description="Mon compte est bloqué."
    )
    headers = api_login(client, supervisor)
    base = f"/api/agent/tickets/{ticket.id}"
    assert client.post(f"{base}/replies", json={"text": "C'est réglé."}, headers=headers).is_success
    resolved = client.post(f"{base}/status", json={"status": "resolu"}, headers=headers)
    assert resolved.status_code == 200
    detail = client.get(base).json()
    # created, updated, two SLA deadlines, first response, resolution, message, 3 events
    assert _assert_utc(detail) >= 9
    assert detail["resolved_at"] is not None and detail["first_response_at"] is not None
    queue = client.get("/api/agent/tickets", params={"status": "tous"}).json()
    assert _assert_utc(queue) >= 4
    _assert_utc(client.get("/api/agent/overview").json())

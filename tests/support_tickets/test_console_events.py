"""The console's live stream ``GET /console/api/events`` (issue 13): agents only, and told of
a ticket's change (a requester's message from the chat) as soon as it is committed."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from storage.db import get_sessionmaker
from support_tickets import service
from support_tickets.auth import close_session, open_session
from support_tickets.config import get_support_settings
from support_tickets.console_events import (
    MAX_TICKET_STREAMS,
    TICKET_NOT_FOUND,
    notify_committed_changes,
    version_events,
)
from support_tickets.console_queue import NOT_LOGGED_IN
from support_tickets.models import Agent, Ticket
from support_tickets.taxonomy import STATUS_WAITING_USER
from tests.support_tickets.conftest import unique_email
from web_common.live_events import (
    CONSOLE_QUEUE_TOPIC,
    InProcessEvents,
    console_ticket_topic,
    get_live_events,
)

WAIT_S = 5.0  # a notified subscriber wakes at once; an unnotified one waits 15 s


@pytest.fixture(autouse=True)
def _notifications() -> None:
    notify_committed_changes()  # as the web app does at start-up


def _ticket(db: Session, agent: Agent) -> Ticket:
    """A ticket from a chat, waiting for its requester (the exchange is open)."""
    ticket = service.create_ticket(
        db,
        email=unique_email(),
        category="compte",
        description="Je n'arrive plus à me connecter au portail.",
        chat_session_id=f"console-live-{uuid.uuid4().hex[:8]}",
    )
    service.reply_to_ticket(
        db, ticket, agent=agent, text="Quel est votre SIRET ?", status=STATUS_WAITING_USER
    )
    return ticket


async def _status(client: TestClient, path: str, token: str | None = None) -> httpx.Response:
    """The answer to opening the stream; fails (timeout) if a stream opens instead."""
    cookies = {get_support_settings().session_cookie: token} if token else {}
    transport = httpx.ASGITransport(app=client.app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", cookies=cookies
    ) as http:
        return await asyncio.wait_for(http.get(path), WAIT_S)


async def test_console_events_refused_without_agent_session(client: TestClient) -> None:
    response = await _status(client, "/console/api/events")
    assert response.status_code == 401
    assert response.json() == {"detail": NOT_LOGGED_IN}
    response = await _status(client, "/console/api/events", token="pas-un-jeton")
    assert response.status_code == 401


@pytest.mark.parametrize("ticket", ["999999999", "abc", "-1", "99999999999999"])
async def test_console_events_unknown_ticket_refused_in_french(
    client: TestClient, db: Session, agent: Agent, ticket: str
) -> None:
    token = open_session(db, agent).token
    response = await _status(client, f"/console/api/events?ticket={ticket}", token)
    assert response.status_code == 404
    assert response.json() == {"detail": TICKET_NOT_FOUND}


async def test_console_events_refused_beyond_max_streams(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = _ticket(db, agent)
    token = open_session(db, agent).token
    channel = get_live_events()
    held = [
        channel.subscribe(console_ticket_topic(ticket.id), MAX_TICKET_STREAMS)
        for _ in range(MAX_TICKET_STREAMS)
    ]
    try:
        response = await _status(client, f"/console/api/events?ticket={ticket.id}", token)
        assert response.status_code == 429
    finally:
        for subscription in held:
            subscription.close()


async def test_console_events_user_message_notifies_ticket_and_queue(
    db: Session, agent: Agent
) -> None:
    ticket, other = _ticket(db, agent), _ticket(db, agent)
    channel = get_live_events()
    mine = channel.subscribe(console_ticket_topic(ticket.id), MAX_TICKET_STREAMS)
    theirs = channel.subscribe(console_ticket_topic(other.id), MAX_TICKET_STREAMS)
    queue = channel.subscribe(CONSOLE_QUEUE_TOPIC, 1000)
    try:
        with get_sessionmaker()() as elsewhere:  # as the chat's request does, in a thread
            found = elsewhere.get(Ticket, ticket.id)
            assert found is not None
            await asyncio.to_thread(service.add_user_message, elsewhere, found, "13002526500013")
        assert await mine.wait(WAIT_S)
        assert await queue.wait(WAIT_S)
        assert not await theirs.wait(0.2)
    finally:
        for subscription in (mine, theirs, queue):
            subscription.close()


async def test_console_events_rolled_back_change_notifies_nothing(
    db: Session, agent: Agent
) -> None:
    ticket = _ticket(db, agent)
    subscription = get_live_events().subscribe(console_ticket_topic(ticket.id), 1000)
    try:
        ticket.description = "Une modification abandonnée."
        db.flush()
        db.rollback()
        db.commit()  # nothing left to commit: the rolled-back flush is forgotten
        assert not await subscription.wait(0.2)
    finally:
        subscription.close()


async def _next(stream: AsyncIterator[dict[str, str]]) -> dict[str, str]:
    return await asyncio.wait_for(anext(stream), WAIT_S)


async def test_console_events_stream_sends_the_new_version(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = _ticket(db, agent)
    token = open_session(db, agent).token
    client.cookies.set(get_support_settings().session_cookie, token)
    subscription = get_live_events().subscribe(console_ticket_topic(ticket.id), 1000)
    stream = version_events(token, ticket.id, subscription)
    try:
        first = await _next(stream)
        polled = client.get(f"/console/api/version?ticket={ticket.id}").json()["version"]
        assert first == {"event": "version", "data": json.dumps({"version": polled})}
        service.add_user_message(db, ticket, "Notre SIRET est le 130 025 265 00013.")
        event = await _next(stream)
        assert event["event"] == "version"
        assert json.loads(event["data"])["version"] not in (polled, None)
        assert (
            json.loads(event["data"])["version"]
            == (client.get(f"/console/api/version?ticket={ticket.id}").json()["version"])
        )
    finally:
        await stream.aclose()


async def test_console_events_stream_ends_with_the_agent_session(db: Session, agent: Agent) -> None:
    ticket = _ticket(db, agent)
    token = open_session(db, agent).token
    channel = InProcessEvents()
    subscription = channel.subscribe(console_ticket_topic(ticket.id), 1)
    stream = version_events(token, ticket.id, subscription)
    await _next(stream)
    close_session(db, token)  # the agent logs out
    channel.publish(console_ticket_topic(ticket.id))
    with pytest.raises(StopAsyncIteration):
        await _next(stream)
    assert channel.count(console_ticket_topic(ticket.id)) == 0


def test_console_events_pages_follow_their_stream(
    client: TestClient, db: Session, agent: Agent
) -> None:
    ticket = _ticket(db, agent)
    client.cookies.set(get_support_settings().session_cookie, open_session(db, agent).token)
    page = client.get(f"/console/tickets/{ticket.id}").text
    assert f'data-console-live="/console/api/events?ticket={ticket.id}"' in page
    assert 'id="ticket-thread" data-console-region="append"' in page
    assert 'data-console-live="/console/api/events"' in client.get("/console/tickets").text

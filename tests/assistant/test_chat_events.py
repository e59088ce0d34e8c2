"""The widget's live stream ``GET /api/chat/{session_id}/events`` (issue 13): only for the
conversation's owner, bounded, and delivering each agent reply once, live."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from assistant.chat import live
from support_tickets import service
from support_tickets.models import Agent
from support_tickets.taxonomy import STATUS_WAITING_USER
from tests.assistant.live_fixtures import (
    REPLY,
    agent,
    db,
    key_of,
    lexical_similarity,
    new_session_id,
    open_ticket,
    say,
)
from tests.assistant.portal_fixtures import (
    NO_SIRET_ACCOUNT,
    SIRET_ACCOUNT,
    demo_data,
    known_secrets,
    token_for,
)
from web_common.live_events import InProcessEvents, chat_topic, get_live_events

__all__ = ["agent", "db", "demo_data", "known_secrets", "lexical_similarity"]
pytestmark = pytest.mark.usefixtures("lexical_similarity")
WAIT_S = 5.0  # a notified stream answers at once; without the notification it waits 30 s


async def _events(client: TestClient, session_id: str, **headers: str) -> int:
    """The status of opening the stream; fails (timeout) if a stream opens instead."""
    transport = httpx.ASGITransport(app=client.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        request = http.get(f"/api/chat/{session_id}/events", headers=headers)
        response = await asyncio.wait_for(request, WAIT_S)
    return response.status_code


async def test_chat_events_refused_without_key(client: TestClient) -> None:
    session_id = new_session_id()
    say(client, session_id)
    assert await _events(client, session_id) == 403


async def test_chat_events_refused_with_another_conversations_key(client: TestClient) -> None:
    mine, other = new_session_id(), new_session_id()
    say(client, mine)
    say(client, other)
    assert await _events(client, mine, **key_of(other)) == 403


async def test_chat_events_refused_for_unknown_conversation(client: TestClient) -> None:
    assert await _events(client, new_session_id(), **{"X-Conversation-Key": "x" * 43}) == 403


@pytest.mark.usefixtures("known_secrets", "demo_data")
async def test_chat_events_refused_for_another_user_with_the_key(client: TestClient) -> None:
    session_id = new_session_id()
    say(
        client, session_id, "où en est mon mémoire ?", identity_token=token_for(SIRET_ACCOUNT.email)
    )
    other = token_for(NO_SIRET_ACCOUNT.email)
    assert (
        await _events(client, session_id, **key_of(session_id), **{"X-Identity-Token": other})
        == 403
    )


@pytest.mark.usefixtures("known_secrets", "demo_data")
async def test_chat_events_refused_for_anonymous_reader_of_bound_conversation(
    client: TestClient,
) -> None:
    session_id = new_session_id()
    say(
        client, session_id, "où en est mon mémoire ?", identity_token=token_for(SIRET_ACCOUNT.email)
    )
    assert await _events(client, session_id, **key_of(session_id)) == 403


async def test_chat_events_refused_beyond_max_streams(client: TestClient) -> None:
    session_id = new_session_id()
    say(client, session_id)
    channel = get_live_events()
    held = [
        channel.subscribe(chat_topic(session_id), live.MAX_STREAMS_PER_CONVERSATION)
        for _ in range(live.MAX_STREAMS_PER_CONVERSATION)
    ]
    try:
        assert await _events(client, session_id, **key_of(session_id)) == 429
    finally:
        for subscription in held:
            subscription.close()


def test_chat_events_leave_refused_without_key(client: TestClient) -> None:
    session_id = new_session_id()
    say(client, session_id)
    assert client.post(f"/api/chat/{session_id}/support/leave").status_code == 403


async def _next(stream: AsyncIterator[dict[str, str]]) -> dict[str, str]:
    return await asyncio.wait_for(anext(stream), WAIT_S)


async def test_chat_events_agent_reply_streamed_once(
    client: TestClient, db: Session, agent: Agent
) -> None:
    session_id = new_session_id()
    say(client, session_id)
    ticket = open_ticket(db, session_id)
    subscription = get_live_events().subscribe(chat_topic(session_id), 4)
    stream = live.conversation_events(session_id, None, subscription)
    try:
        first = await _next(stream)
        assert first == {"event": "support", "data": '{"active":false,"ticket":null}'}
        message = service.reply_to_ticket(db, ticket, agent=agent, text=REPLY)  # notifies
        event = await _next(stream)
        assert event["event"] == "agent_reply"
        (reply,) = json.loads(event["data"])["messages"]
        assert reply["author"] == "agent"
        assert reply["agent_message_id"] == message.id
        assert reply["text"].endswith(REPLY)
    finally:
        await stream.aclose()
    # delivered: neither the next answer nor the history shows it a second time
    assert all(m.get("author") is None for m in say(client, session_id, "merci")["messages"])
    history = client.get(f"/api/chat/{session_id}/history").json()
    texts = [m["text"] for turn in history["turns"] for m in turn["messages"]]
    assert sum(t.endswith(REPLY) for t in texts) == 1


async def test_chat_events_support_state_follows_the_ticket(
    client: TestClient, db: Session, agent: Agent
) -> None:
    session_id = new_session_id()
    say(client, session_id)
    ticket = open_ticket(db, session_id)
    subscription = get_live_events().subscribe(chat_topic(session_id), 4)
    stream = live.conversation_events(session_id, None, subscription)
    try:
        assert json.loads((await _next(stream))["data"])["active"] is False
        service.change_status(db, ticket, agent=agent, status=STATUS_WAITING_USER)
        event = await _next(stream)
        assert event["event"] == "support"
        assert json.loads(event["data"]) == {"active": True, "ticket": ticket.number}
    finally:
        await stream.aclose()


async def test_chat_events_subscription_closed_when_client_goes(client: TestClient) -> None:
    session_id = new_session_id()
    say(client, session_id)
    channel = InProcessEvents()
    subscription = channel.subscribe(chat_topic(session_id), 4)
    stream = live.conversation_events(session_id, None, subscription)
    await _next(stream)
    assert channel.count(chat_topic(session_id)) == 1
    await stream.aclose()  # what sse-starlette does when the client disconnects
    assert channel.count(chat_topic(session_id)) == 0

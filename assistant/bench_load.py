"""The bounded async load client of ``python -m assistant.bench``.

A *user* sends its messages one after the other, each in a fresh conversation (a new session
id), and waits for each reply; ``users`` such users run at once, so at most ``users``
requests are in flight. Long conversations send their turns in one conversation, keeping
its key as the widget does (:class:`assistant.chat.api_client.ConversationKeys`).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from assistant.bench_stats import LevelResult, Outcome, TurnLatencies, summarise
from assistant.chat.api_client import ConversationKeys
from assistant.chat.messages import UNAVAILABLE_TEXT

REQUEST_TIMEOUT_S = 60.0
"""Longest wait for one reply; a slower one counts as an error."""
WARM_UP_MESSAGES = 3
"""Messages sent before each path's first level, not measured."""
QUESTION_SEED = 17
"""Seed of the order in which the knowledge-base questions are sent."""


@dataclass(frozen=True)
class Route:
    """One measured path: where to post and what to send for message ``number``."""

    name: str
    url: str
    body: Callable[[str, int], dict[str, Any]]
    """``body(session_id, number)``: the JSON body of message ``number``."""
    kind: str
    """``"rasa"`` (Rasa's REST channel) or ``"web"`` (the web app's ``POST /api/chat``)."""


def rasa_path(rasa_url: str, message: str) -> Route:
    url = f"{rasa_url.rstrip('/')}/webhooks/rest/webhook"
    return Route("rasa_bonjour", url, lambda sid, _: {"sender": sid, "message": message}, "rasa")


def web_path(name: str, web_url: str, messages: Sequence[str]) -> Route:
    """The web app's chat API sending ``messages`` in turn (message ``n``: ``n % len``)."""
    url = f"{web_url.rstrip('/')}/api/chat"
    return Route(
        name,
        url,
        lambda sid, n: {"session_id": sid, "message": messages[n % len(messages)]},
        "web",
    )


def shuffled(questions: Sequence[str]) -> list[str]:
    """``questions`` in a fixed pseudo-random order (the same in every run)."""
    order = list(questions)
    random.Random(QUESTION_SEED).shuffle(order)
    return order


def judge(kind: str, response: httpx.Response) -> tuple[bool, bool]:
    """Whether a reply succeeded, and whether it holds a knowledge-base answer."""
    if response.status_code != 200:
        return False, False
    try:
        body = response.json()
    except ValueError:
        return False, False
    if kind == "rasa":
        return isinstance(body, list) and bool(body), False
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        return False, False
    texts = [m.get("text") for m in messages if isinstance(m, dict)]
    kinds = [m.get("kind") for m in messages if isinstance(m, dict)]
    return UNAVAILABLE_TEXT not in texts, "knowledge_answer" in kinds


async def send(
    client: httpx.AsyncClient,
    path: Route,
    session_id: str,
    number: int,
    headers: dict[str, str] | None = None,
) -> tuple[Outcome, httpx.Response | None]:
    """Post message ``number`` of ``path`` as ``session_id``; never raises for the server's
    failures (they are errors of the outcome)."""
    started = time.perf_counter()
    try:
        response = await client.post(path.url, json=path.body(session_id, number), headers=headers)
    except httpx.HTTPError:
        return Outcome((time.perf_counter() - started) * 1000, ok=False), None
    latency_ms = (time.perf_counter() - started) * 1000
    ok, knowledge = judge(path.kind, response)
    return Outcome(latency_ms, ok=ok, knowledge_answer=knowledge), response


def fresh_session() -> str:
    return f"bench-{uuid.uuid4().hex[:24]}"


async def _user(
    client: httpx.AsyncClient, path: Route, first: int, count: int, out: list[Outcome]
) -> None:
    for number in range(first, first + count):
        outcome, _ = await send(client, path, fresh_session(), number)
        out.append(outcome)


async def run_level(path: Route, users: int, per_user: int) -> LevelResult:
    """``users`` concurrent users, each sending ``per_user`` messages, each in a fresh
    conversation."""
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        await _user(client, path, 0, WARM_UP_MESSAGES, [])
        outcomes: list[Outcome] = []
        started = time.perf_counter()
        await asyncio.gather(
            *(_user(client, path, u * per_user, per_user, outcomes) for u in range(users))
        )
        elapsed = time.perf_counter() - started
    return summarise(path.name, users, outcomes, elapsed)


async def long_conversations(path: Route, conversations: int, turns: int) -> TurnLatencies:
    """``conversations`` conversations of ``turns`` turns, one after the other (one user), so
    that a turn's latency depends on its place in the conversation, not on the load."""
    result = TurnLatencies()
    keys = ConversationKeys()
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S) as client:
        await _user(client, path, 0, WARM_UP_MESSAGES, [])
        for conversation in range(conversations):
            session_id = fresh_session()
            for turn in range(1, turns + 1):
                number = conversation * turns + turn
                outcome, response = await send(
                    client, path, session_id, number, keys.headers(session_id)
                )
                if response is not None:
                    keys.remember(session_id, response)
                result.add(turn, outcome)
    return result

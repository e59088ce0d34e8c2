"""Rasa's calls to the action server over kept-alive connections, not one per call.

Rasa 3.6's ``EndpointConfig.request`` opens ``async with self.session()``: a new aiohttp
``ClientSession`` for every call, so every custom action opened a TCP connection to the
action server, and both servers paid for its set-up and tear-down. Under 20 users sending
knowledge questions the set-up was about a third of the action call's samples in the Rasa
process, 1.7 % of them all (BENCHMARKS.md, « Speed, memory and scale-out », session 11).

:func:`install` makes ``EndpointConfig.session`` hand out one session per endpoint and event
loop, built by Rasa's own code (same headers, basic auth and timeout), inside a wrapper whose
``async with`` leaves it open. aiohttp keeps its idle connections 15 s; the action server
(rasa_sdk's Sanic app) keeps them 120 s, so the client always closes an idle one first. A
connection the action server dropped (a restart, a SIGKILL) is seen closed and replaced by
aiohttp's connector; a call that fails fails as before (Rasa logs it and the turn goes on).
:func:`close_all` closes the sessions when the Rasa server stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

logger = logging.getLogger(__name__)

_SESSIONS: dict[tuple[int, str, str, str], Any] = {}
"""The open sessions, by event loop and endpoint (URL, headers, basic auth)."""


class KeptSession:
    """An open ``aiohttp.ClientSession`` that ``async with`` gives and does not close."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


def endpoint_key(endpoint: Any) -> tuple[int, str, str, str]:
    """The running loop and what a session of ``endpoint`` is made of."""
    return (
        id(asyncio.get_running_loop()),
        str(endpoint.url),
        repr(sorted((endpoint.headers or {}).items())),
        repr(sorted((endpoint.basic_auth or {}).items())),
    )


def kept_session_factory(new_session: Callable[[Any], Any]) -> Callable[[Any], KeptSession]:
    """An ``EndpointConfig.session`` that reuses the session ``new_session`` made for the
    same endpoint on the same loop, while it is open."""

    def session(endpoint: Any) -> KeptSession:
        key = endpoint_key(endpoint)
        kept = _SESSIONS.get(key)
        if kept is None or kept.closed:
            kept = new_session(endpoint)
            _SESSIONS[key] = kept
            logger.info("nlu_components.kept_sessions.opened url=%s", endpoint.url)
        return KeptSession(kept)

    session.kept = True  # type: ignore[attr-defined]
    return session


async def close_all(*_args: Any) -> None:
    """Close the kept sessions (a Sanic ``after_server_stop`` listener)."""
    sessions = list(_SESSIONS.values())
    _SESSIONS.clear()
    for session in sessions:
        if not session.closed:
            await session.close()


def install() -> None:
    """Patch Rasa's ``EndpointConfig.session`` and close the sessions when the server stops."""
    import rasa.core.run
    from rasa.utils.endpoints import EndpointConfig

    if getattr(EndpointConfig.session, "kept", False):
        return
    EndpointConfig.session = kept_session_factory(EndpointConfig.session)
    configure_app = rasa.core.run.configure_app

    def configure_app_closing_sessions(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        app.register_listener(close_all, "after_server_stop")
        return app

    rasa.core.run.configure_app = configure_app_closing_sessions
    logger.info("nlu_components.kept_sessions.installed")

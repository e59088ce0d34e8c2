"""Spread conversations across the Rasa replicas (issue 17, ``assistant/scale_out.py``).

Each conversation has its own order of the replicas, by rendezvous hashing: every replica
gets a weight ``hash(replica URL, session id)``, and the order is by weight, highest first.
The first replica of that order handles the conversation while it answers, the same one on
every web worker and after a restart, and sessions spread evenly; adding or removing a
replica moves only the conversations that it takes or held.

When the conversation's replica cannot be reached — connection refused, reset or dropped
mid-request (a killed process), or no connection within the timeout — the message goes to
the next replica of its order: the conversation's tracker is in the shared PostgreSQL
tracker store, so any replica goes on with it, and the shared Redis lock store keeps two
replicas from handling it at once. Only when every replica failed does the user get the
French « indisponible » reply (:class:`RasaUnavailable`, as with one Rasa).

A replica that accepted the message and then timed out, or answered an error status, is
*not* retried on another: it may still be handling the message (a retry would handle it
twice, double the load of an overloaded service and make the user wait twice the timeout).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from assistant.chat.gateway import RasaGateway, RasaReply, RasaUnavailable
from assistant.config import Settings
from assistant.scale_out import rasa_urls

logger = logging.getLogger(__name__)

FAILOVER_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
"""Transport failures after which the message goes to the conversation's next replica: the
replica is gone, or never took the message."""


def replica_weight(session_id: str, url: str) -> int:
    """The rendezvous weight of replica ``url`` for ``session_id`` (stable across processes:
    not Python's salted ``hash``)."""
    digest = hashlib.blake2b(f"{url}\n{session_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def replica_order(session_id: str, urls: Sequence[str]) -> list[str]:
    """The replicas in the order ``session_id`` tries them: its own first."""
    return sorted(urls, key=lambda url: replica_weight(session_id, url), reverse=True)


class ReplicatedGateway(RasaGateway):
    """A :class:`RasaGateway` over several Rasa replicas: each conversation to its own
    replica, the next one of its order when that one cannot be reached."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        urls: Sequence[str],
        timeout_s: float,
        token: str | None,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if not urls:
            raise ValueError("at least one Rasa replica")
        # The tracker read of the parent class may ask any replica: they share the tracker.
        super().__init__(client, urls[0], timeout_s, token, clock=clock)
        self.replicas = {
            url.rstrip("/"): RasaGateway(client, url, timeout_s, token, clock=clock) for url in urls
        }

    async def send(
        self,
        session_id: str,
        message: str,
        metadata: dict[str, Any] | None = None,
    ) -> RasaReply:
        """Send to the conversation's replica, then the next ones while they cannot be
        reached; raise :class:`RasaUnavailable` when none answered."""
        failure: RasaUnavailable | None = None
        for url in replica_order(session_id, list(self.replicas)):
            try:
                return await self.replicas[url].send(session_id, message, metadata)
            except RasaUnavailable as exc:
                if not isinstance(exc.__cause__, FAILOVER_ERRORS):
                    raise
                logger.warning(
                    "gateway.replica.failover session=%s replica=%s reason=%s",
                    session_id,
                    url,
                    exc.reason,
                )
                failure = exc
        reason = failure.reason if failure is not None else "no replica"
        raise RasaUnavailable(f"every replica: {reason}") from failure


def make_gateway(client: httpx.AsyncClient, settings: Settings) -> RasaGateway:
    """The web app's gateway: to ``rasa_url`` alone, or across the replicas of the settings."""
    urls = rasa_urls(settings)
    if len(urls) == 1:
        return RasaGateway(client, urls[0], settings.rasa_timeout_s, settings.rasa_token)
    return ReplicatedGateway(client, urls, settings.rasa_timeout_s, settings.rasa_token)

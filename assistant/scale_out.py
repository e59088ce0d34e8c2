"""The topology of several Rasa replicas (issue 17), computed from the settings.

``rasa_replicas = N`` (``ASSISTANT_RASA_REPLICAS``): N Rasa servers on consecutive ports from
``rasa_url``'s, N action servers on consecutive ports from ``action_server_url``'s; Rasa
replica *i* calls action server *i*. Every replica keeps its conversations in one PostgreSQL
tracker store (``rasa_tracker_store_url``) and takes its per-conversation locks in one Redis
lock store (``rasa_lock_store_url``), so any replica can go on with any conversation and two
never handle one at once. With N = 1 and neither store set, this is ``make run``'s embedded
default: ``endpoints.yml`` as it is (SQLite tracker, in-process lock store).

The runner writes one endpoints file per replica and starts the servers; the web app's
gateway (``assistant/chat/replicas.py``) and health probe read the same URLs from the same
settings.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from assistant.config import Settings
from assistant.tracker_retention import REDACTING_STORE_TYPE

LOCK_KEY_PREFIX_FALLBACK = "assistant"
"""Rasa's lock keys start with an alphanumeric prefix: the letters and digits of
``redis_key_prefix``, this when it has none."""


def _port(url: str) -> int:
    port = urlsplit(url).port
    if port is None:
        raise ValueError(f"no port in {url!r}")
    return port


def with_port_offset(url: str, offset: int) -> str:
    """``url`` with its port moved ``offset`` up (``http://h:5005``, 1 → ``http://h:5006``)."""
    parts = urlsplit(url.rstrip("/"))
    netloc = f"{parts.hostname}:{_port(url) + offset}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def rasa_urls(settings: Settings) -> list[str]:
    """The Rasa replicas' URLs; ``[rasa_url]`` alone when there is one replica."""
    if settings.rasa_replicas == 1:
        return [settings.rasa_url.rstrip("/")]
    return [with_port_offset(settings.rasa_url, i) for i in range(settings.rasa_replicas)]


def action_server_urls(settings: Settings) -> list[str]:
    """The action servers' URLs, one per Rasa replica, in the same order."""
    if settings.rasa_replicas == 1:
        return [settings.action_server_url.rstrip("/")]
    return [with_port_offset(settings.action_server_url, i) for i in range(settings.rasa_replicas)]


def topology_problem(settings: Settings) -> str | None:
    """Why these settings cannot start several replicas, in French; None when they can."""
    if settings.rasa_replicas == 1:
        return None
    if not settings.rasa_tracker_store_url or not settings.rasa_lock_store_url:
        return (
            "Plusieurs répliques Rasa (ASSISTANT_RASA_REPLICAS) demandent un stockage "
            "partagé des conversations et des verrous : renseignez "
            "ASSISTANT_RASA_TRACKER_STORE_URL (PostgreSQL) et ASSISTANT_RASA_LOCK_STORE_URL "
            "(Redis)."
        )
    if not urlsplit(settings.rasa_tracker_store_url).scheme.startswith("postgresql"):
        return "ASSISTANT_RASA_TRACKER_STORE_URL doit désigner une base PostgreSQL."
    if urlsplit(settings.rasa_lock_store_url).scheme != "redis":
        return "ASSISTANT_RASA_LOCK_STORE_URL doit désigner un serveur Redis (redis://…)."
    ports = [_port(url) for url in rasa_urls(settings) + action_server_urls(settings)]
    if len(set(ports)) != len(ports) or settings.web_port in ports:
        return (
            "Les ports des répliques Rasa et des serveurs d'actions se chevauchent : "
            "espacez ASSISTANT_RASA_URL et ASSISTANT_ACTION_SERVER_URL d'au moins "
            f"{settings.rasa_replicas} ports, hors du port web."
        )
    return None


def tracker_store_endpoint(url: str) -> dict[str, Any]:
    """Rasa's ``tracker_store`` section for a PostgreSQL URL, with the redacting store of
    ``endpoints.yml``. Rasa runs SQLAlchemy 1.4 with
    psycopg2 (a dependency of Rasa): a ``+driver`` of the main environment's URL is dropped."""
    parts = urlsplit(url)
    plain = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))
    return {"type": REDACTING_STORE_TYPE, "dialect": "postgresql", "url": plain}


def lock_store_endpoint(url: str, key_prefix: str) -> dict[str, Any]:
    """Rasa's ``lock_store`` section for a Redis URL (host, port, database, password)."""
    parts = urlsplit(url)
    database = parts.path.strip("/") or "0"
    section: dict[str, Any] = {
        "type": "redis",
        "url": parts.hostname or "127.0.0.1",
        "port": parts.port or 6379,
        "db": int(database),
        "key_prefix": re.sub(r"[^A-Za-z0-9]", "", key_prefix) or LOCK_KEY_PREFIX_FALLBACK,
    }
    if parts.password:
        section["password"] = parts.password
    return section


def replica_endpoints(settings: Settings, base: dict[str, Any], index: int) -> dict[str, Any]:
    """``base`` (``endpoints.yml``) for Rasa replica ``index``: its own action server and,
    when set, the shared tracker and lock stores."""
    endpoints = dict(base)
    endpoints["action_endpoint"] = {
        **(base.get("action_endpoint") or {}),
        "url": action_server_urls(settings)[index] + "/webhook",
    }
    if settings.rasa_tracker_store_url:
        endpoints["tracker_store"] = tracker_store_endpoint(settings.rasa_tracker_store_url)
    if settings.rasa_lock_store_url:
        endpoints["lock_store"] = lock_store_endpoint(
            settings.rasa_lock_store_url, settings.redis_key_prefix
        )
    return endpoints


def replica_env(settings: Settings) -> dict[str, str]:
    """Rasa's environment with a shared lock store: a conversation's lock outlives its turn
    by at most the gateway's wait (``rasa_timeout_s``, not Rasa's 60 s), so the lock of a
    replica killed mid-turn holds that conversation up no longer than one reply would."""
    if not settings.rasa_lock_store_url:
        return {}
    return {"TICKET_LOCK_LIFETIME": str(max(1, math.ceil(settings.rasa_timeout_s)))}

"""Redis for the shared-state tests: the machine's server (as in CI), under a key prefix of
the test's own that is deleted afterwards, and a private server a test may stop and restart.

``ASSISTANT_TEST_REDIS_URL`` points at another server than 127.0.0.1:6379. No Redis is a
failure that says so, never a skip: these tests are the proof that the limits and the live
events hold across workers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

REDIS_URL = os.environ.get("ASSISTANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"  # port 1: nothing listens, refused at once
START_ATTEMPTS = 200  # polls of a starting private server (0.05 s apart) before giving up


@contextmanager
def key_prefix(url: str = REDIS_URL) -> Iterator[str]:
    """A prefix no other test run uses; its keys are deleted on the way out."""
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class PrivateRedis:
    """A ``redis-server`` of the test's own (no persistence), to stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            for _ in range(START_ATTEMPTS):
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Kill it (as a crash would), and wait until it is gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

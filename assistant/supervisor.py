"""Start, watch and restart the three servers of ``python -m assistant serve``.

A server is healthy when it *answers* its health URL, not merely when its process lives:
the action server runs a parent and a worker, and a killed worker leaves the parent holding
the port while nothing answers. The policy, one named constant each:

- every ``PROBE_INTERVAL_S`` each running server is probed (``PROBE_TIMEOUT_S``; the web
  app and Rasa ``WEB_PROBE_TIMEOUT_S``);
- ``FAILED_PROBES_BEFORE_RESTART`` failed probes in a row (the web app and Rasa
  ``WEB_FAILED_PROBES_BEFORE_RESTART``: busy is not dead), or a dead process, restart it;
- a server that was (re)started gets ``STARTUP_GRACE_S`` to answer before probes count;
- restarts back off: ``BACKOFF_BASE_S`` doubled at each restart within ``RESTART_WINDOW_S``,
  capped at ``BACKOFF_MAX_S``;
- after ``MAX_RESTARTS`` restarts within the window the supervisor gives that server up
  and says so. Rasa and the action server are given up alone: the web app keeps serving the
  documentation, the support form and the console (the chat then answers with its French
  fallback). Only when the web app itself is given up does the runner stop.

Log names: ``assistant.supervisor.restart``, ``.unhealthy``, ``.give_up``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from storage.paths import REPO_ROOT

logger = logging.getLogger("assistant.supervisor")

PROBE_INTERVAL_S = 2.0
PROBE_TIMEOUT_S = 2.0
FAILED_PROBES_BEFORE_RESTART = 2  # a dead worker is restarted ~6 s after it stops answering
# The web app is probed more patiently: under 50 concurrent conversations on 2 cores its
# liveness URL took more than 2 s twice in a row (scripts/security_probe.py, 2026-12-06), and
# restarting a web app that is busy, not dead, lost 231 replies in flight. A hung web app is
# still restarted, about 35 s after it stops answering (5 × (2 s + 5 s)).
# Rasa gets the same patience: under 20 concurrent users on 2 cores its /status took over
# 2 s twice in a row and the runner restarted it mid-load, after which every message got the
# « indisponible » reply (make bench, 2026-12-06). A dead Rasa process is still restarted at
# once; only a live one that answers slowly is given time.
WEB_PROBE_TIMEOUT_S = 5.0
WEB_FAILED_PROBES_BEFORE_RESTART = 5
PATIENT_KINDS = frozenset({"web", "rasa"})  # servers that are busy, not dead, when slow
STARTUP_GRACE_S = 300.0  # Rasa needs ~50 s to load on 2 cores; first start may train too
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 60.0
MAX_RESTARTS = 6  # within RESTART_WINDOW_S, then that server is given up
RESTART_WINDOW_S = 600.0
STOP_GRACE_S = 15.0
WEB = "web"  # the one server whose loss stops the runner

QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONUNBUFFERED": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


def backoff_s(recent_restarts: int) -> float:
    """Delay before the next restart of a server restarted ``recent_restarts`` times lately."""
    if recent_restarts <= 0:
        return 0.0
    delay_s: float = BACKOFF_BASE_S * 2 ** (recent_restarts - 1)
    return min(BACKOFF_MAX_S, delay_s)


@dataclass
class Server:
    name: str
    command: list[str]
    ready_url: str
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    kind: str = ""  # "rasa", "actions" or "web" when ``name`` numbers a replica ("rasa-2")
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)
    started_at: float = 0.0
    answered_since_start: bool = False
    failed_probes: int = 0
    restart_at: float | None = None  # a restart is scheduled at this monotonic time
    given_up: bool = False

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def start(self, now: float | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start {time.strftime('%Y-%m-%d %H:%M:%S')} =====\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env={**os.environ, **QUIET_ENV, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.monotonic() if now is None else now
        self.answered_since_start = False
        self.failed_probes = 0
        self.restart_at = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop the server's whole process group (the action server's worker included)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait()


Probe = Callable[[Server], bool]


def failed_probes_limit(server: Server) -> int:
    """Failed probes in a row after which ``server`` is restarted."""
    if (server.kind or server.name) in PATIENT_KINDS:
        return WEB_FAILED_PROBES_BEFORE_RESTART
    return FAILED_PROBES_BEFORE_RESTART


def http_probe(client: httpx.Client) -> Probe:
    """A probe that asks each server's health URL (the web app's liveness URL does not
    depend on the other two servers)."""

    def probe(server: Server) -> bool:
        try:
            patient = (server.kind or server.name) in PATIENT_KINDS
            timeout = WEB_PROBE_TIMEOUT_S if patient else PROBE_TIMEOUT_S
            response = client.get(server.ready_url, timeout=timeout)
        except httpx.HTTPError:
            return False
        if (server.kind or server.name) == "rasa":
            return response.status_code == 200 and bool(response.json().get("model_file"))
        return response.status_code == 200

    return probe


class Supervisor:
    """Start the servers, restart one that dies or stops answering, stop them all."""

    def __init__(self, servers: list[Server], pids_path: Path, probe: Probe) -> None:
        self.servers = servers
        self.pids_path = pids_path
        self.probe = probe
        self.stopping = False

    def request_stop(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            print(
                f"\nArrêt demandé ({signal.Signals(signum).name}), arrêt des serveurs…", flush=True
            )
        self.stopping = True

    def write_pids(self) -> None:
        self.pids_path.parent.mkdir(parents=True, exist_ok=True)
        pids = {s.name: s.process.pid for s in self.servers if s.process is not None}
        self.pids_path.write_text(json.dumps({"runner": os.getpid(), **pids}, indent=2))

    def start_all(self) -> None:
        for server in self.servers:
            server.start()
        self.write_pids()

    def wait_ready(self, timeout_s: float = STARTUP_GRACE_S) -> bool:
        """Wait until every server answers; False if one dies or the time runs out."""
        deadline = time.monotonic() + timeout_s
        pending = list(self.servers)
        while pending and time.monotonic() < deadline and not self.stopping:
            for server in list(pending):
                if not server.alive():
                    print(
                        f"Le serveur « {server.name} » s'est arrêté au démarrage : "
                        f"voir {server.log_path}",
                        file=sys.stderr,
                        flush=True,
                    )
                    return False
                if self.probe(server):
                    server.answered_since_start = True
                    pending.remove(server)
                    print(f"  {server.name} prêt", flush=True)
            time.sleep(0.5)
        return not pending

    def check(self, server: Server, now: float) -> None:
        """One supervision step for ``server``: probe it, schedule or run its restart."""
        if server.given_up:
            return
        if server.restart_at is not None:
            if now < server.restart_at:
                return
            if server.alive() and self.probe(server):
                # it came back on its own meanwhile (the action server replaces a killed
                # worker itself at times): restarting it now would only cut it off again
                server.restart_at, server.failed_probes = None, 0
                print(f"« {server.name} » répond de nouveau : pas de redémarrage.", flush=True)
                return
            self._restart(server, now)
            return
        if not server.alive():
            code = server.process.returncode if server.process else None
            self._schedule_restart(server, now, f"s'est arrêté (code {code})")
            return
        if self.probe(server):
            server.answered_since_start = True
            server.failed_probes = 0
            return
        if not server.answered_since_start and now - server.started_at < STARTUP_GRACE_S:
            return  # still loading
        server.failed_probes += 1
        logger.warning(
            "assistant.supervisor.unhealthy server=%s failed_probes=%d limit=%d",
            server.name,
            server.failed_probes,
            failed_probes_limit(server),
        )
        if server.failed_probes >= failed_probes_limit(server):
            self._schedule_restart(server, now, "ne répond plus")

    def _schedule_restart(self, server: Server, now: float, why: str) -> None:
        server.restarts = [t for t in server.restarts if now - t < RESTART_WINDOW_S]
        if len(server.restarts) >= MAX_RESTARTS:
            server.given_up = True
            server.stop()
            logger.error(
                "assistant.supervisor.give_up server=%s restarts=%d window_s=%.0f",
                server.name,
                len(server.restarts),
                RESTART_WINDOW_S,
            )
            print(
                f"« {server.name} » {why} et a redémarré {len(server.restarts)} fois en "
                f"{RESTART_WINDOW_S / 60:.0f} minutes : abandon (voir {server.log_path}).",
                file=sys.stderr,
                flush=True,
            )
            return
        delay = backoff_s(len(server.restarts))
        server.restart_at = now + delay
        print(f"« {server.name} » {why} : redémarrage dans {delay:.0f} s.", flush=True)

    def _restart(self, server: Server, now: float) -> None:
        server.stop()
        server.restarts.append(now)
        logger.warning(
            "assistant.supervisor.restart server=%s recent_restarts=%d",
            server.name,
            len(server.restarts),
        )
        server.start(now)
        self.write_pids()

    def supervise(self, tick_s: float = PROBE_INTERVAL_S) -> int:
        """Watch the servers until asked to stop; 1 when the web app had to be given up."""
        while not self.stopping:
            now = time.monotonic()
            for server in self.servers:
                if self.stopping:
                    break
                self.check(server, now)
                if server.name == WEB and server.given_up:
                    return 1
            time.sleep(tick_s)
        return 0

    def stop_all(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        self.pids_path.unlink(missing_ok=True)

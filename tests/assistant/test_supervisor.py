"""The supervisor restarts a server that dies or stops answering, backs off, and gives up a
crash-looping Rasa or action server without stopping the web app.

Real child processes (``sleep`` in Python); the health probe is a function the test controls,
as the supervisor takes any probe (the runner passes the HTTP one)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.supervisor import (
    FAILED_PROBES_BEFORE_RESTART,
    MAX_RESTARTS,
    RESTART_WINDOW_S,
    STARTUP_GRACE_S,
    WEB_FAILED_PROBES_BEFORE_RESTART,
    Server,
    Supervisor,
    backoff_s,
)

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


class Probe:
    """Answers as each server is told to: ``healthy[name]``."""

    def __init__(self) -> None:
        self.healthy: dict[str, bool] = {}

    def __call__(self, server: Server) -> bool:
        return self.healthy.get(server.name, True)


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def supervisor(tmp_path: Path, probe: Probe) -> Iterator[Supervisor]:
    servers = [
        Server(name, list(SLEEPER), f"http://127.0.0.1:1/{name}", tmp_path / "log")
        for name in ("rasa", "actions", "web")
    ]
    sup = Supervisor(servers, tmp_path / "run" / "servers.json", probe)
    sup.start_all()
    yield sup
    sup.stop_all()


def _server(sup: Supervisor, name: str) -> Server:
    return next(s for s in sup.servers if s.name == name)


def test_backoff_doubles_from_one_second_and_caps_at_a_minute() -> None:
    assert [backoff_s(n) for n in range(9)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_check_restarts_a_dead_server_after_its_backoff(supervisor: Supervisor) -> None:
    actions = _server(supervisor, "actions")
    assert actions.process is not None
    old_pid = actions.process.pid
    actions.process.kill()
    actions.process.wait()
    supervisor.check(actions, now=1000.0)
    assert actions.restart_at == 1000.0  # first restart: no delay
    supervisor.check(actions, now=1000.0)
    assert actions.alive() and actions.process.pid != old_pid
    assert actions.restarts == [1000.0]
    # the second crash within the window waits one second
    actions.process.kill()
    actions.process.wait()
    supervisor.check(actions, now=1010.0)
    assert actions.restart_at == 1011.0
    supervisor.check(actions, now=1010.5)
    assert not actions.alive()
    supervisor.check(actions, now=1011.0)
    assert actions.alive() and actions.restarts == [1000.0, 1011.0]


def test_check_restarts_a_live_server_that_stopped_answering(
    supervisor: Supervisor, probe: Probe
) -> None:
    actions = _server(supervisor, "actions")
    assert actions.process is not None
    old_pid = actions.process.pid
    supervisor.check(actions, now=actions.started_at + 1)  # answers once: it is up
    probe.healthy["actions"] = False
    for _ in range(FAILED_PROBES_BEFORE_RESTART - 1):
        supervisor.check(actions, now=actions.started_at + 2)
        assert actions.restart_at is None
    supervisor.check(actions, now=actions.started_at + 3)
    assert actions.restart_at is not None
    supervisor.check(actions, now=actions.restart_at)
    assert actions.alive() and actions.process.pid != old_pid


@pytest.mark.parametrize("name", ["web", "rasa"])
def test_check_gives_a_busy_web_app_or_rasa_more_failed_probes_than_the_action_server(
    supervisor: Supervisor, probe: Probe, name: str
) -> None:
    """A web app or a Rasa slow to answer under load is not restarted after 2 failed probes
    (that lost the replies in flight, and under make bench every later message); a hung one
    is, after WEB_FAILED_PROBES_BEFORE_RESTART."""
    assert WEB_FAILED_PROBES_BEFORE_RESTART > FAILED_PROBES_BEFORE_RESTART
    server = _server(supervisor, name)
    supervisor.check(server, now=server.started_at + STARTUP_GRACE_S + 1)
    probe.healthy[name] = False
    for _ in range(WEB_FAILED_PROBES_BEFORE_RESTART - 1):
        supervisor.check(server, now=server.started_at + STARTUP_GRACE_S + 2)
        assert server.restart_at is None
    supervisor.check(server, now=server.started_at + STARTUP_GRACE_S + 3)
    assert server.restart_at is not None


def test_check_waits_for_a_loading_server_until_its_startup_grace_ends(
    supervisor: Supervisor, probe: Probe
) -> None:
    rasa = _server(supervisor, "rasa")
    probe.healthy["rasa"] = False
    for _ in range(WEB_FAILED_PROBES_BEFORE_RESTART + 2):
        supervisor.check(rasa, now=rasa.started_at + STARTUP_GRACE_S - 1)
    assert rasa.restart_at is None and rasa.failed_probes == 0
    for _ in range(WEB_FAILED_PROBES_BEFORE_RESTART):
        supervisor.check(rasa, now=rasa.started_at + STARTUP_GRACE_S + 1)
    assert rasa.restart_at is not None


def test_check_gives_up_a_crash_looping_action_server_but_keeps_the_web_app(
    supervisor: Supervisor,
) -> None:
    actions = _server(supervisor, "actions")
    web = _server(supervisor, "web")
    actions.restarts = [100.0 + i for i in range(MAX_RESTARTS)]
    assert actions.process is not None
    actions.process.kill()
    actions.process.wait()
    supervisor.check(actions, now=200.0)
    assert actions.given_up and actions.restart_at is None
    supervisor.check(actions, now=10_000.0)
    assert not actions.alive()  # given up: never started again
    assert web.alive() and not web.given_up


def test_check_forgets_restarts_older_than_the_window(supervisor: Supervisor) -> None:
    actions = _server(supervisor, "actions")
    actions.restarts = [100.0 + i for i in range(MAX_RESTARTS)]
    assert actions.process is not None
    actions.process.kill()
    actions.process.wait()
    supervisor.check(actions, now=100.0 + MAX_RESTARTS + RESTART_WINDOW_S)
    assert not actions.given_up and actions.restart_at is not None


def test_supervise_returns_1_only_when_the_web_app_is_given_up(supervisor: Supervisor) -> None:
    _server(supervisor, "rasa").given_up = True
    web = _server(supervisor, "web")
    web.given_up = True
    assert supervisor.supervise(tick_s=0.01) == 1


def test_supervise_returns_0_when_asked_to_stop(supervisor: Supervisor) -> None:
    _server(supervisor, "rasa").given_up = True
    supervisor.stopping = True
    assert supervisor.supervise(tick_s=0.01) == 0


def test_stop_all_stops_every_process_and_removes_the_pids_file(supervisor: Supervisor) -> None:
    assert supervisor.pids_path.exists()
    supervisor.stop_all()
    assert not any(s.alive() for s in supervisor.servers)
    assert not supervisor.pids_path.exists()


def test_check_cancels_the_restart_of_a_server_that_answers_again(
    supervisor: Supervisor, probe: Probe
) -> None:
    actions = _server(supervisor, "actions")
    assert actions.process is not None
    pid = actions.process.pid
    supervisor.check(actions, now=actions.started_at + 1)
    probe.healthy["actions"] = False
    for _ in range(FAILED_PROBES_BEFORE_RESTART):
        supervisor.check(actions, now=actions.started_at + 2)
    assert actions.restart_at is not None
    probe.healthy["actions"] = True
    supervisor.check(actions, now=actions.restart_at)
    assert actions.restart_at is None and actions.restarts == []
    assert actions.process.pid == pid

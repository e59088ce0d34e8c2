"""The runner's Rasa replicas (issue 17): N Rasa servers and N action servers on consecutive
ports, each Rasa with an endpoints file naming its own action server and the shared
PostgreSQL tracker store and Redis lock store; one replica by default, as ``make run`` has
always started it; settings that cannot run several replicas refused in French before
anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant import runner
from assistant.config import Settings
from assistant.runner import make_servers, serve
from assistant.supervisor import Server
from assistant.tracker_retention import REDACTING_STORE_TYPE

TRACKER = "postgresql+psycopg://postgres@127.0.0.1:5432/assistant_rasa"
LOCKS = "redis://:secret@127.0.0.1:6379/2"


@pytest.fixture(autouse=True)
def _run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "RUN_DIR", tmp_path)  # make_servers writes endpoints there


def _not_reached(*args: object, **kwargs: object) -> None:
    raise AssertionError("the runner went on past the refusal")


def _replicated(replicas: int = 2) -> Settings:
    return Settings(
        web_port=8281,
        rasa_url="http://127.0.0.1:8282",
        action_server_url="http://127.0.0.1:8284",
        rasa_replicas=replicas,
        rasa_tracker_store_url=TRACKER,
        rasa_lock_store_url=LOCKS,
        redis_key_prefix="test-scale:",
    )


def _option(server: Server, flag: str) -> str:
    return server.command[server.command.index(flag) + 1]


def _endpoints(server: Server) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(Path(_option(server, "--endpoints")).read_text())
    return loaded


def test_replicas_runner_one_by_default_keeps_the_embedded_endpoints() -> None:
    servers = make_servers(Settings(web_port=8281), "jeton")
    assert [s.name for s in servers] == ["rasa", "actions", "web"]
    endpoints = _endpoints(servers[0])
    assert endpoints["tracker_store"] == {
        "type": REDACTING_STORE_TYPE,
        "dialect": "sqlite",
        "db": "var/rasa_tracker.db",
    }
    assert "lock_store" not in endpoints
    assert servers[0].env == {}
    assert Path(_option(servers[0], "--endpoints")).name == "endpoints-8281.yml"


def test_replicas_runner_starts_each_pair_on_consecutive_ports() -> None:
    servers = make_servers(_replicated(), "jeton")
    assert [s.name for s in servers] == ["rasa-1", "rasa-2", "actions-1", "actions-2", "web"]
    assert [s.kind for s in servers[:4]] == ["rasa", "rasa", "actions", "actions"]
    assert [_option(s, "-p") for s in servers[:4]] == ["8282", "8283", "8284", "8285"]
    assert servers[1].ready_url == "http://127.0.0.1:8283/status?token=jeton"
    assert servers[3].ready_url == "http://127.0.0.1:8285/health"


def test_replicas_runner_each_rasa_calls_its_own_action_server_and_shares_the_stores() -> None:
    rasa_1, rasa_2 = make_servers(_replicated(), "jeton")[:2]
    first, second = _endpoints(rasa_1), _endpoints(rasa_2)
    assert first["action_endpoint"] == {"url": "http://127.0.0.1:8284/webhook"}
    assert second["action_endpoint"] == {"url": "http://127.0.0.1:8285/webhook"}
    for endpoints in (first, second):
        assert endpoints["tracker_store"] == {
            "type": REDACTING_STORE_TYPE,
            "dialect": "postgresql",
            "url": "postgresql://postgres@127.0.0.1:5432/assistant_rasa",
        }
        assert endpoints["lock_store"] == {
            "type": "redis",
            "url": "127.0.0.1",
            "port": 6379,
            "db": 2,
            "password": "secret",
            "key_prefix": "testscale",
        }
    # A killed replica's locks hold its conversations no longer than the gateway waits.
    assert rasa_1.env == {"TICKET_LOCK_LIFETIME": "15"}


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (Settings(rasa_replicas=2), "ASSISTANT_RASA_TRACKER_STORE_URL"),
        (
            Settings(rasa_replicas=2, rasa_tracker_store_url=TRACKER),
            "ASSISTANT_RASA_LOCK_STORE_URL",
        ),
        (
            Settings(
                rasa_replicas=2, rasa_tracker_store_url="sqlite:///x.db", rasa_lock_store_url=LOCKS
            ),
            "PostgreSQL",
        ),
        (_replicated(3), "se chevauchent"),  # rasa 8282-8284 meets actions 8284
    ],
)
def test_replicas_runner_refuses_settings_that_cannot_share(
    settings: Settings,
    named: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("storage.migrate.upgrade", _not_reached)
    monkeypatch.setattr(runner, "Supervisor", _not_reached)
    assert serve(settings, train=False, index=False) == 1
    assert named in capsys.readouterr().err


def test_replicas_runner_setting_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Settings(rasa_replicas=0)

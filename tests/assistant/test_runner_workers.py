"""The runner's web workers (issue 17): ``web_workers`` becomes uvicorn's ``--workers``, and
several workers without a shared Redis are refused with a French message before anything
starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import runner
from assistant.config import Settings
from assistant.runner import make_servers, serve, worker_options


@pytest.fixture(autouse=True)
def _run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "RUN_DIR", tmp_path)  # make_servers writes endpoints there


def _not_reached(*args: object, **kwargs: object) -> None:
    raise AssertionError("the runner went on past the refusal")


def _web_command(settings: Settings) -> list[str]:
    return next(s for s in make_servers(settings, "jeton") if s.name == "web").command


def test_runner_workers_one_by_default() -> None:
    assert Settings.model_fields["web_workers"].default == 1
    assert worker_options(Settings()) == []
    assert "--workers" not in _web_command(Settings(web_port=8271))


def test_runner_workers_setting_gives_uvicorn_workers() -> None:
    settings = Settings(web_port=8271, web_workers=3, redis_url="redis://127.0.0.1:6379/0")
    command = _web_command(settings)
    assert command[command.index("--workers") + 1] == "3"


def test_runner_workers_refused_without_redis(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Refused before the migrations, the training and the servers, which must not start.
    monkeypatch.setattr("storage.migrate.upgrade", _not_reached)
    monkeypatch.setattr(runner, "Supervisor", _not_reached)
    assert serve(Settings(web_port=8271, web_workers=2), train=False, index=False) == 1
    error = capsys.readouterr().err
    assert "ASSISTANT_REDIS_URL" in error and "Redis partagé" in error


def test_runner_workers_setting_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Settings(web_workers=0)

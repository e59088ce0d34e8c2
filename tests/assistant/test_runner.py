"""The runner retrains only when the training inputs change."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.runner import make_servers, proxy_options, training_fingerprint


def _project(root: Path) -> None:
    (root / "nlu_data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("language: fr\n")
    (root / "domain").mkdir()
    (root / "domain" / "core.yml").write_text("version: '3.1'\n")
    (root / "nlu_data" / "nlu" / "smalltalk.yml").write_text("nlu: []\n")


def test_training_fingerprint_same_inputs_in_another_folder_give_the_same_hash(
    tmp_path: Path,
) -> None:
    _project(tmp_path / "a")
    _project(tmp_path / "b")
    assert training_fingerprint(tmp_path / "a") == training_fingerprint(tmp_path / "b")


@pytest.mark.parametrize(
    "changed",
    ["config.yml", "domain/core.yml", "nlu_data/nlu/smalltalk.yml", "requirements-rasa.txt"],
)
def test_training_fingerprint_changes_with_each_training_input(
    tmp_path: Path, changed: str
) -> None:
    _project(tmp_path)
    before = training_fingerprint(tmp_path)
    (tmp_path / changed).write_text("changed: true\n")
    assert training_fingerprint(tmp_path) != before


def test_training_fingerprint_changes_when_a_training_file_is_renamed(tmp_path: Path) -> None:
    _project(tmp_path)
    before = training_fingerprint(tmp_path)
    nlu = tmp_path / "nlu_data" / "nlu"
    (nlu / "smalltalk.yml").rename(nlu / "greetings.yml")
    assert training_fingerprint(tmp_path) != before


def test_training_fingerprint_ignores_unrelated_files(tmp_path: Path) -> None:
    _project(tmp_path)
    before = training_fingerprint(tmp_path)
    (tmp_path / "README.md").write_text("doc\n")
    assert training_fingerprint(tmp_path) == before


def _web_command(settings: Settings) -> list[str]:
    return next(s for s in make_servers(settings, "token") if s.name == "web").command


def test_make_servers_web_app_ignores_forwarded_headers_by_default() -> None:
    command = _web_command(Settings())
    assert "--no-proxy-headers" in command
    assert "--forwarded-allow-ips" not in command and "--proxy-headers" not in command


def test_make_servers_web_app_believes_only_the_configured_proxies() -> None:
    command = _web_command(Settings(trusted_proxies=" 10.0.0.5 , 10.0.0.6 ,"))
    assert command[-3:] == ["--proxy-headers", "--forwarded-allow-ips", "10.0.0.5,10.0.0.6"]
    assert "--no-proxy-headers" not in command


def test_proxy_options_blank_setting_trusts_nobody() -> None:
    assert proxy_options(Settings(trusted_proxies=" , ")) == ["--no-proxy-headers"]


def test_make_servers_probes_the_web_app_on_its_liveness_url() -> None:
    web = next(s for s in make_servers(Settings(), "token") if s.name == "web")
    assert web.ready_url.endswith("/health/live")

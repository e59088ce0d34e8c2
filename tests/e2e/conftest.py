"""End-to-end fixtures: the README's run command (`python -m assistant serve`) started for
real — trained Rasa model, action server, web app — and stopped with Ctrl-C (SIGINT)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.config import get_settings
from tests.stack import Stack, running_stack

__all__ = ["Stack"]

# Ports come from the settings (ASSISTANT_WEB_PORT, ASSISTANT_RASA_URL,
# ASSISTANT_ACTION_SERVER_URL), so a second stack can run beside a developer's.
SETTINGS = get_settings()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        tmp_path_factory.mktemp("e2e"),
        SETTINGS.web_port,
        int(SETTINGS.rasa_url.rsplit(":", 1)[1]),
        int(SETTINGS.action_server_url.rsplit(":", 1)[1]),
        # Every e2e request comes from one address, unlike real users: the evaluation of
        # the real questions alone sends ~450 messages, which would leave the per-client
        # limit (120 a minute) spent for the tests after it. The per-session limit stays.
        {"ASSISTANT_RATE_LIMIT_PER_CLIENT": "100000"},
    ) as running:
        yield running


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is end-to-end."""
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)

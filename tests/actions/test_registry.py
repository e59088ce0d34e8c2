"""The action server can load and ship every action of the ``actions`` package."""

from __future__ import annotations

import pickle

import yaml
from rasa_sdk.executor import ActionExecutor

from actions.texts import DOMAIN_DIR


def test_registry_every_action_is_registered_and_picklable() -> None:
    """rasa-sdk 3.21 (Sanic 25) pickles the executor into its worker processes: an action
    holding a lock or a loaded model as an attribute would crash the server at start."""
    executor = ActionExecutor()
    executor.register_package("actions")
    assert {"action_answer_question", "action_show_documentation", "action_handle_feedback"} <= set(
        executor.actions
    )
    clone = pickle.loads(pickle.dumps(executor))
    assert set(clone.actions) == set(executor.actions)


def test_registry_every_action_of_the_domain_is_registered() -> None:
    """Each custom action that ``domain/*.yml`` declares is found in the ``actions`` package,
    whichever module holds it."""
    declared = {
        action
        for path in sorted(DOMAIN_DIR.glob("*.yml"))
        for action in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("actions", [])
    }
    executor = ActionExecutor()
    executor.register_package("actions")
    assert declared == set(executor.actions)

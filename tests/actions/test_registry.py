"""The action server can load and ship every action of the ``actions`` package."""

from __future__ import annotations

import pickle

from rasa_sdk.executor import ActionExecutor


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

"""``nlu_components.rasa_server`` in Rasa's own environment (issue 17): the action server's
replies are validated as Rasa validates them (same verdicts, same error message) while the
constant schema is checked against the meta-schema once instead of at every reply.
Counts and messages only, no timing. Skipped without ``.venv-rasa``."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.config import Settings
from assistant.runner import rasa_server
from nlu_components.rasa_server import SERVING_TENSORFLOW
from tests.rasa.rasa_env import run_in_rasa_env

REPLIES = 5
VALID = 4  # replies the action server may send (SCRIPT: valid, more_valid)
INVALID = 7  # replies Rasa rejects (SCRIPT: invalid)
SCRIPT = """
import json
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from nlu_components import rasa_server

schema = RemoteAction.action_response_format_spec()
checks = {"count": 0}
validator_class = validator_for(schema)
original_check = validator_class.check_schema.__func__

def counting_check(cls, *args, **kwargs):
    checks["count"] += 1
    return original_check(cls, *args, **kwargs)

validator_class.check_schema = classmethod(counting_check)
valid = {"events": [{"event": "slot", "name": "kb_entry_id", "value": "faq-1"}],
         "responses": [{"text": "Bonjour"}]}
invalid = [{"events": [{"event": "slot", "timestamp": "hier"}], "responses": []},
           {"events": "aucun", "responses": []},
           {"events": [], "responses": ["texte seul"]},
           {"events": [{"event": "inconnu"}], "responses": []},
           {"events": [{"name": "kb_entry_id", "value": "faq-1"}], "responses": []},
           {"events": [{"event": "slot", "value": 1}], "responses": []},
           {"events": [valid["events"][0], {"event": "slot", "name": 7, "value": 1}],
            "responses": []}]
more_valid = [{"events": [], "responses": []},
              {"responses": [{"text": "Bonjour"}]},
              {"events": [{"event": "bot", "text": "Bonjour", "data": {"custom": {}}},
                          {"event": "followup", "name": "action_listen"},
                          {"event": "reset_slots"},
                          {"event": "slot", "name": "kb_candidates", "value": ["a", "b"],
                           "timestamp": None, "metadata": None}],
               "responses": []}]

action = RemoteAction("action_answer_question", None)

def verdicts():
    out = []
    for reply in [valid] + more_valid + invalid:
        try:
            out.append(["ok", action._validate_action_result(reply)])
        except ValidationError as exc:
            out.append(["error", exc.message])
    return out

rasa_verdicts = verdicts()
rasa_checks = checks["count"]
rasa_server.install()
checks["count"] = 0
ours = verdicts()
for _ in range(REPLIES):
    action._validate_action_result(valid)
quick = [rasa_server.quickly_valid(reply) for reply in [valid] + more_valid + invalid]
full = {"count": 0}
built_once = rasa_server.action_response_validator

def counting_validator():
    full["count"] += 1
    return built_once()

rasa_server.action_response_validator = counting_validator
for reply in [valid] + more_valid:
    action._validate_action_result(reply)
print(json.dumps({"rasa": rasa_verdicts, "rasa_checks": rasa_checks, "ours": ours,
                  "our_checks": checks["count"], "quick": quick,
                  "full_checks_of_valid": full["count"]}))
""".replace("REPLIES", str(REPLIES))


@pytest.fixture(scope="module")
def validations() -> dict[str, object]:
    return run_in_rasa_env(SCRIPT)


def test_rasa_server_gives_rasa_own_verdicts_and_messages(
    validations: dict[str, object],
) -> None:
    assert validations["ours"] == validations["rasa"]
    verdicts = validations["ours"]
    assert isinstance(verdicts, list)
    assert verdicts[:VALID] == [["ok", True]] * VALID
    assert [kind for kind, _ in verdicts[VALID:]] == ["error"] * INVALID
    assert all("Failed to validate Action server response" in t for _, t in verdicts[VALID:])


def test_rasa_server_checks_each_event_against_its_own_kind_only(
    validations: dict[str, object],
) -> None:
    # the valid replies pass the quick check (one alternative per event instead of 23); the
    # others fall back to the full check, which gives Rasa's message (test above)
    assert validations["quick"] == [True] * VALID + [False] * INVALID
    assert validations["full_checks_of_valid"] == 0


def test_rasa_server_checks_the_schema_once_for_many_replies(
    validations: dict[str, object],
) -> None:
    # Rasa's own code checks the schema at every reply: 11 replies, 11 checks.
    assert validations["rasa_checks"] == VALID + INVALID
    # Once installed: one check for the 11 replies and the REPLIES more after them.
    assert validations["our_checks"] == 1


def test_rasa_server_is_what_the_runner_starts() -> None:
    server = rasa_server(Settings(), "jeton", 0)
    assert server.command[1:4] == ["-m", "nlu_components.rasa_server", "run"]
    assert server.command[0].endswith(".venv-rasa/bin/python")


THREADS_SCRIPT = """
import contextlib, io, json, sys
sys.argv = ["rasa", "--version"]
from nlu_components import rasa_server
with contextlib.redirect_stdout(io.StringIO()):
    rasa_server.main()
import tensorflow as tf
from tensorflow.lite.python import util as lite_util
from tensorflow.python.util import _pywrap_util_port
print(json.dumps({"inter": tf.config.threading.get_inter_op_parallelism_threads(),
                  "intra": tf.config.threading.get_intra_op_parallelism_threads(),
                  "onednn": _pywrap_util_port.IsMklEnabled(),
                  "jax_loaded": any(m == "jax" or m.startswith(("jax.", "jaxlib"))
                                    for m, module in sys.modules.items() if module is not None),
                  "lite_without_jax": lite_util._xla_computation is None}))
"""


@pytest.fixture(scope="module")
def serving_tensorflow() -> dict[str, Any]:
    """TensorFlow's set-up once the launcher has started (``rasa --version``), with none of
    its variables inherited from the environment of the tests."""
    with pytest.MonkeyPatch.context() as patch:
        for name in SERVING_TENSORFLOW:
            patch.delenv(name, raising=False)
        return run_in_rasa_env(THREADS_SCRIPT)


def test_rasa_server_runs_tensorflow_on_one_thread_per_operation(
    serving_tensorflow: dict[str, Any],
) -> None:
    # TensorFlow's default (0) sizes its pools to the machine; serving one message at a time,
    # the launcher asks for one thread each (nlu_components/rasa_server.py).
    assert (serving_tensorflow["inter"], serving_tensorflow["intra"]) == (1, 1)


def test_rasa_server_runs_tensorflow_without_onednn(serving_tensorflow: dict[str, Any]) -> None:
    # oneDNN's kernels are on by default in this TensorFlow build; on DIET's small matrices
    # they cost about 8 % of a parse (nlu_components/rasa_server.py).
    assert serving_tensorflow["onednn"] is False


def test_rasa_server_keeps_jax_out_of_the_process(serving_tensorflow: dict[str, Any]) -> None:
    # TensorFlow Lite's helpers import JAX when it is installed (110 MiB); serving never
    # converts a model, so the launcher keeps it out and they go without.
    assert serving_tensorflow["jax_loaded"] is False
    assert serving_tensorflow["lite_without_jax"] is True

"""``rasa run`` with the action server's replies validated by a schema checked once.

Run in the Rasa environment: ``.venv-rasa/bin/python -m nlu_components.rasa_server run
--enable-api …`` (the runner's Rasa servers, ``assistant/runner.py``); the arguments are
``rasa``'s own.

Why: after each custom action, Rasa 3.6 checks the action server's JSON reply with
``jsonschema.validate(reply, RemoteAction.action_response_format_spec())``. That function
first validates the *schema itself* against JSON Schema's 2020-12 meta-schema, whose
``$dynamicRef`` resolution is slow in jsonschema 4.17 (the newest Rasa 3.6 accepts): with
the stack loaded by knowledge questions, py-spy put **two thirds of the Rasa process's CPU**
in that check (about 45 ms a knowledge turn; BENCHMARKS.md, « Speed, memory and
scale-out », session 9). The schema is a constant, so it is checked once here, and each
reply is validated by a validator built once, raising the same error ``validate`` raises
(``best_match`` of the reply's errors, with Rasa's hint appended). Each event of a reply is
first checked against the alternative of its own kind only (:func:`quickly_valid`, same
verdicts); a reply that check rejects gets the full one, for Rasa's message.

It also sets TensorFlow up for serving (:data:`SERVING_TENSORFLOW`, unless the environment
sets the same variables); training (``rasa train``, not this launcher) keeps TensorFlow's
defaults, so the model trained is the same:

- its operations on one thread each: DIET classifies one short message at a time, and
  handing its small operations to TensorFlow's thread pools cost more than it saved. Rasa's
  CPU per knowledge turn went from about 34 to 30 ms under 20 users sending knowledge
  questions (BENCHMARKS.md, session 10);
- without oneDNN's kernels (``TF_ENABLE_ONEDNN_OPTS=0``): on DIET's small matrices they cost
  more than TensorFlow's own. Two Rasa servers side by side, the same 274 real questions
  sent to each in turn: 0.6-0.8 ms less CPU per parse without them (about 8 %), and 30 MiB
  less memory; the 426 parses of the development sets and the held-out NLU set gave the
  same intents and entities, confidences within 3e-7 (BENCHMARKS.md, session 14).

And it keeps JAX out of the process (:data:`UNUSED_WHEN_SERVING`): TensorFlow 2.12 depends on
it, and TensorFlow Lite's helpers import it when present, only to convert JAX functions to
TensorFlow Lite, which Rasa never does. Imported, it held about 110 MiB of Rasa's memory
(BENCHMARKS.md, session 14).
"""

from __future__ import annotations

import logging
import os
import sys
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

SERVING_TENSORFLOW = {
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "TF_ENABLE_ONEDNN_OPTS": "0",
}
"""TensorFlow while serving: its thread pools, read by Rasa's ``setup_tf_environment``, and
oneDNN's kernels, read when TensorFlow loads (so set before ``rasa`` is imported)."""

UNUSED_WHEN_SERVING = ("jax",)
"""Packages installed beside TensorFlow that serving never uses: an import of them fails, as
if they were not installed (TensorFlow Lite's helpers expect that and go without)."""


@lru_cache(maxsize=1)
def action_response_validator() -> Any:
    """The validator of the action server's replies, its schema checked once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@lru_cache(maxsize=1)
def event_validators() -> tuple[Any, dict[str, Any]] | None:
    """The reply's schema without its ``oneOf`` over event kinds, and one validator per event
    kind; ``None`` when the kinds are not told apart by a distinct ``event`` constant (then
    every reply takes the full check).

    Each event of a reply must match exactly one of 23 alternatives, and each alternative
    fixes ``event`` to a different constant: an event matches exactly one when it matches the
    alternative of its own kind. Checking that one instead of all 23 gives the same verdict
    for a tenth of the cost (the full check was 5 % of Rasa's CPU on a knowledge turn)."""
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    events = schema["properties"]["events"]
    kinds = events["items"].get("oneOf", [])
    constants = [kind.get("properties", {}).get("event", {}).get("const") for kind in kinds]
    if not kinds or None in constants or len(set(constants)) != len(constants):
        return None
    validator_class = type(action_response_validator())
    item = {key: value for key, value in events["items"].items() if key != "oneOf"}
    outer = {**schema, "properties": {**schema["properties"], "events": {**events, "items": item}}}
    by_kind = {c: validator_class(kind) for c, kind in zip(constants, kinds, strict=True)}
    return validator_class(outer), by_kind


def quickly_valid(result: dict[str, Any]) -> bool:
    """Whether ``result`` is valid, checking each event against its own kind only; ``False``
    also when the quick check cannot tell (the full check then decides and explains)."""
    parts = event_validators()
    if parts is None:
        return False
    outer, by_kind = parts
    if not outer.is_valid(result):
        return False
    for event in result.get("events") or []:
        kind = by_kind.get(event["event"])
        if kind is None or not kind.is_valid(event):
            return False
    return True


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` without re-checking the constant schema; a
    reply the quick check rejects gets the full check, with Rasa's error."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    if quickly_valid(result):
        return True
    error = best_match(action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response "
        "from the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Replace Rasa's per-call validation of action replies by :func:`validate_action_result`,
    its connection per action call by kept-alive ones (:mod:`nlu_components.kept_sessions`)
    and two hot spots by equivalents (:mod:`nlu_components.rasa_hot_paths`); make its REST
    replies open with the detected intent (:mod:`nlu_components.reply_intent`); freeze the
    loaded agent out of the garbage collector's reach (:mod:`nlu_components.heap`)."""
    from rasa.core.actions.action import RemoteAction

    from nlu_components import heap, kept_sessions, rasa_hot_paths, reply_intent

    RemoteAction._validate_action_result = validate_action_result
    kept_sessions.install()
    rasa_hot_paths.install()
    reply_intent.install()
    heap.install()
    logger.info("nlu_components.rasa_server.validation compiled_once=true")


def main() -> None:
    """``rasa`` with its arguments, TensorFlow set up for serving, JAX kept out, after
    :func:`install`."""
    for name, value in SERVING_TENSORFLOW.items():
        os.environ.setdefault(name, value)
    for package in UNUSED_WHEN_SERVING:
        # A None entry makes `import package` fail as if it were not installed.
        sys.modules.setdefault(package, None)  # type: ignore[arg-type]
    from rasa.__main__ import main as rasa_main

    install()
    rasa_main()


if __name__ == "__main__":
    main()

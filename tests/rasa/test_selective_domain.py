"""The action calls Rasa makes with the repository's ``endpoints.yml`` and domain, in Rasa's
own environment (issue 17): the form validations get the domain they read, the other
actions get the tracker only. Skipped without ``.venv-rasa``."""

from __future__ import annotations

from tests.rasa.rasa_env import run_in_rasa_env

SCRIPT = """
import json
from rasa.core.actions.action import RemoteAction
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

domain = Domain.load("domain")
endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
tracker = DialogueStateTracker("selective", domain.slots)
calls = {}
for name in domain.user_actions:
    body = RemoteAction(name, endpoints.action)._action_call_format(tracker, domain)
    calls[name] = "domain" in body
print(json.dumps(calls))
"""


def test_selective_domain_only_form_validations_get_the_domain() -> None:
    sent = run_in_rasa_env(SCRIPT)
    validations = {name for name in sent if name.startswith("validate_")}
    assert validations >= {"validate_support_form", "validate_rollout_form"}
    assert {name for name, with_domain in sent.items() if with_domain} == validations
    assert sent["action_answer_question"] is False

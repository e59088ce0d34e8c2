"""Static checks of the Rasa project (config, domain, training data, test data).

They run in the main env with PyYAML only; the trained-model checks are the
`rasa test` command described in tests/rasa/README.md.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.tracker_retention import REDACTING_STORE_TYPE

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "nlu_data"
NBSP = "\u00a0"

EXPECTED_INTENTS = {
    "greet",
    "goodbye",
    "thanks",
    "bot_challenge",
    "ask_question",
    "check_status",
    "ask_rollout_date",
    "ask_documentation",
    "ask_human",
    "affirm",
    "deny",
    "out_of_scope",
    "feedback",
    "cancel",
    "ask_ticket_status",
}

EXPECTED_ROUTES = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thanks": "utter_thanks",
    "bot_challenge": "utter_bot_challenge",
    "ask_question": "action_answer_question",
    "nlu_fallback": "action_answer_question",
    "ask_rollout_date": "rollout_form",
    "check_status": "action_check_status",
    "ask_documentation": "action_show_documentation",
    "ask_human": "utter_offer_support",
    "affirm": "utter_affirm",
    "deny": "utter_deny",
    "out_of_scope": "utter_out_of_scope",
    "feedback": "action_handle_feedback",
    "open_ticket": "support_form",
    "cancel": "utter_nothing_to_cancel",
    "ask_ticket_status": "ticket_status_form",
}

ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _nlu_blocks(paths: list[Path]) -> list[dict[str, Any]]:
    return [block for path in paths for block in _load(path).get("nlu", [])]


def _examples(block: dict[str, Any]) -> list[str]:
    lines = [line.strip() for line in block["examples"].splitlines()]
    return [line[2:].strip() for line in lines if line.startswith("- ")]


def _plain(example: str) -> str:
    return ANNOTATION.sub(r"\1", example).lower().strip()


def _intent_examples(paths: list[Path]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for block in _nlu_blocks(paths):
        if "intent" in block:
            result.setdefault(block["intent"], []).extend(_examples(block))
    return result


def _training_paths() -> list[Path]:
    return sorted((NLU_DIR / "nlu").glob("*.yml"))


def _reference_pattern() -> re.Pattern[str]:
    blocks = [b for b in _nlu_blocks(_training_paths()) if b.get("regex") == "reference"]
    assert len(blocks) == 1
    return re.compile(_examples(blocks[0])[0], re.IGNORECASE)


def _domain() -> dict[str, Any]:
    """The domain as Rasa sees it: every file of domain/ merged (lists joined, maps merged)."""
    merged: dict[str, Any] = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for key, value in (_load(path) or {}).items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            else:
                merged[key] = value
    return merged


def _response_texts() -> dict[str, list[str]]:
    responses = _domain()["responses"]
    return {name: [v["text"] for v in variants] for name, variants in responses.items()}


def test_domain_intents_match_design() -> None:
    assert set(_domain()["intents"]) >= EXPECTED_INTENTS


def test_training_data_every_intent_has_25_examples() -> None:
    counts = {intent: len(ex) for intent, ex in _intent_examples(_training_paths()).items()}
    assert set(counts) == EXPECTED_INTENTS
    assert {intent: n for intent, n in counts.items() if n < 25} == {}


def test_training_data_has_no_duplicate_examples() -> None:
    plain = [_plain(e) for ex in _intent_examples(_training_paths()).values() for e in ex]
    assert [text for text, n in Counter(plain).items() if n > 1] == []


def test_test_nlu_is_held_out_and_covers_every_intent() -> None:
    training = {_plain(e) for ex in _intent_examples(_training_paths()).values() for e in ex}
    held_out = _intent_examples([ROOT / "tests" / "rasa" / "test_nlu.yml"])
    assert set(held_out) == EXPECTED_INTENTS
    assert {i: len(ex) for i, ex in held_out.items() if len(ex) < 5} == {}
    assert [e for ex in held_out.values() for e in ex if _plain(e) in training] == []


def test_rules_route_every_intent_to_its_action() -> None:
    routes: dict[str, str] = {}
    for path in sorted((NLU_DIR / "rules").glob("*.yml")):
        for rule in _load(path)["rules"]:
            if "condition" in rule:  # form internals (rollout_form), not an intent route
                continue
            if "intent" not in rule["steps"][0] or sum("intent" in s for s in rule["steps"]) > 1:
                continue  # follow-ups of a previous turn (« oui » after an offer...)
            steps = [step for step in rule["steps"] if "active_loop" not in step]
            assert len(steps) == 2, rule["rule"]
            routes[steps[0]["intent"]] = steps[1]["action"]
    assert routes == EXPECTED_ROUTES


# Actions that end the turn themselves with FollowupAction("action_listen") (Rasa then skips
# the policy run): the conversations written for Rasa must never continue after them.
TURN_ENDING_ACTIONS = {"action_answer_question"}


def _conversations() -> list[tuple[str, dict[str, Any]]]:
    """Every rule and story of the training data and of the test stories, with its file."""
    found: list[tuple[str, dict[str, Any]]] = []
    paths = [*sorted(NLU_DIR.glob("*/*.yml")), ROOT / "tests" / "rasa" / "test_stories.yml"]
    for path in paths:
        content = _load(path) or {}
        for key in ("rules", "stories"):
            found.extend((path.name, item) for item in content.get(key) or [])
    return found


def test_conversations_wait_for_the_user_after_turn_ending_actions() -> None:
    conversations = _conversations()
    continued = []
    for name, item in conversations:
        steps = item["steps"]
        for index, step in enumerate(steps):
            if step.get("action") not in TURN_ENDING_ACTIONS:
                continue
            after = next((s for s in steps[index + 1 :] if "slot_was_set" not in s), None)
            last = after is None
            if (last and item.get("wait_for_user_input") is False) or (
                not last and "intent" not in after and "user" not in after
            ):
                continued.append((name, item.get("rule") or item.get("story")))
    assert continued == []
    # The check reads the conversations where the action appears.
    assert any(
        step.get("action") in TURN_ENDING_ACTIONS
        for _, item in conversations
        for step in item["steps"]
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("où en est MJ-2024-000123 ?", "MJ-2024-000123"),
        ("statut mj 2024 000123", "mj 2024 000123"),
        ("la facture FA2024-12 est payée ?", "FA2024-12"),
        ("suivi TIC-2025-000042 svp", "TIC-2025-000042"),
        ("demande ticgn_2023_000007", "ticgn_2023_000007"),
    ],
)
def test_reference_regex_matches_formats(text: str, expected: str) -> None:
    match = _reference_pattern().search(text)
    assert match is not None
    assert match.group(0) == expected


@pytest.mark.parametrize(
    "text",
    [
        "remboursement TIC pour 2025",
        "on est 30 salariés avec 5 millions de CA",
        "filiale d'un groupe du CAC 40",
        "FAQ 2024",
    ],
)
def test_reference_regex_ignores_non_references(text: str) -> None:
    assert _reference_pattern().search(text) is None


def test_responses_guillemets_use_non_breaking_spaces() -> None:
    for name, texts in _response_texts().items():
        for text in texts:
            assert text.count("«") == text.count(f"«{NBSP}"), name
            assert text.count("»") == text.count(f"{NBSP}»"), name
            assert re.search(r" [?!:;]", text) is None, name


def test_responses_thanks_always_polite() -> None:
    for text in _response_texts()["utter_thanks"]:
        assert "Avec plaisir" in text or "Je vous en prie" in text


def test_responses_out_of_scope_says_where_to_ask_instead() -> None:
    """Issue 13: a question outside the portal gets « je ne traite que… » and where to ask
    instead, not a support ticket offer the portal's team could not answer."""
    for variant in _domain()["responses"]["utter_out_of_scope"]:
        assert "je ne traite que les questions sur le portail" in variant["text"]
        assert "support" not in variant["text"]
        assert variant["custom"]["links"] == [
            {"title": "service-public.fr", "url": "https://www.service-public.fr/"}
        ]


def test_responses_support_offers_carry_the_support_link() -> None:
    responses = _domain()["responses"]
    for name in (
        "utter_offer_support",
        "utter_deny",
        "utter_technical_error",
        "utter_bot_challenge",
        "utter_default",
    ):
        for variant in responses[name]:
            assert f"«{NBSP}support{NBSP}»" in variant["text"], name
            assert {"title": f"Formulaire «{NBSP}support{NBSP}»", "url": "/support"} in variant[
                "custom"
            ]["links"], name


def test_domain_declares_payload_entities_and_session_config() -> None:
    domain = _domain()
    assert {"reference", "departement", "company_category", "kb_entry_id", "feedback_value"} <= set(
        domain["entities"]
    )
    assert domain["session_config"] == {
        "session_expiration_time": 60,
        "carry_over_slots_to_new_session": True,
    }
    assert all(not slot["influence_conversation"] for slot in domain["slots"].values())


def test_config_pipeline_has_no_spacy_and_a_fallback() -> None:
    config = _load(ROOT / "config.yml")
    names = [component["name"] for component in config["pipeline"]]
    assert config["language"] == "fr"
    assert not any("Spacy" in name for name in names)
    assert names[-1] == "FallbackClassifier"
    assert 0.5 <= config["pipeline"][-1]["threshold"] <= 0.6


def test_endpoints_use_local_actions_and_sqlite_tracker() -> None:
    endpoints = _load(ROOT / "endpoints.yml")
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"
    assert endpoints["tracker_store"] == {
        "type": REDACTING_STORE_TYPE,
        "dialect": "sqlite",
        "db": "var/rasa_tracker.db",
    }
    assert "lock_store" not in endpoints
    assert set(_load(ROOT / "credentials.yml")) == {"rest"}

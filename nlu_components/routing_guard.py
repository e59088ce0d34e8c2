"""Rasa NLU component: re-label a narrow intent as ``ask_question`` when the message lacks
that intent's real trigger (policy and evidence in :mod:`nlu_components.routing_rules`).

It runs after DIET and the entity extractors, before the ``FallbackClassifier``: the new
intent keeps DIET's confidence, so a message DIET was unsure of still becomes
``nlu_fallback`` (which the retrieval action answers too). Every re-labelling is logged
on ``nlu_components.routing_guard`` with the intent, its confidence and the new intent.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from nlu_components.routing_rules import (
    ASK_HUMAN_INTENT,
    OUT_OF_SCOPE_INTENT,
    ROLLOUT_INTENT,
    holds_reference,
    reroute,
)

logger = logging.getLogger("nlu_components.routing_guard")
REFERENCE_ENTITY = "reference"
# Confidence given to a message re-labelled by the rollout trigger (above the 0.55 of the
# FallbackClassifier in config.yml).
RULE_CONFIDENCE = 0.9
RULE_INTENTS = frozenset({ROLLOUT_INTENT, ASK_HUMAN_INTENT, OUT_OF_SCOPE_INTENT})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RoutingGuard(GraphComponent, IntentClassifier):
    """Sends portal questions that DIET gave to a narrow intent to the retrieval."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RoutingGuard:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._guard(message)
        return messages

    @staticmethod
    def _guard(message: Message) -> None:
        intent = message.get(INTENT) or {}
        name = intent.get(INTENT_NAME_KEY)
        text = message.get(TEXT) or ""
        references = [
            e.get(ENTITY_ATTRIBUTE_VALUE)
            for e in message.get(ENTITIES) or []
            if e.get(ENTITY_ATTRIBUTE_TYPE) == REFERENCE_ENTITY
        ]
        new = reroute(name, text, holds_reference(text, references))
        if new is None:
            return
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if new in RULE_INTENTS:
            # A trigger found by rule (the rollout rules' vocabulary, a request for a person,
            # another administration's matter) is as sure as DIET's surest answers, so the
            # fallback classifier does not undo it.
            confidence = max(confidence, RULE_CONFIDENCE)
        logger.info("routing.rerouted from=%s confidence=%.3f to=%s", name, confidence, new)
        message.set(
            INTENT, {INTENT_NAME_KEY: new, PREDICTED_CONFIDENCE_KEY: confidence}, add_to_output=True
        )
        others = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get(INTENT_NAME_KEY) not in {name, new}
        ]
        # The displaced intent stays in the ranking, below the new one.
        ranking = [
            {INTENT_NAME_KEY: new, PREDICTED_CONFIDENCE_KEY: confidence},
            *others,
            {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence / 2},
        ]
        ranking.sort(key=lambda r: float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0), reverse=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

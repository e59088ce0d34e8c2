"""Each vocabulary is written once, as a ``Literal``: its tuple, its labels and the API's
schemas follow it."""

from __future__ import annotations

from typing import get_args

from support_tickets import schemas, taxonomy


def test_labels_cover_exactly_each_vocabulary_in_order() -> None:
    assert tuple(taxonomy.CATEGORY_LABELS) == taxonomy.CATEGORIES
    assert tuple(taxonomy.STATUS_LABELS) == taxonomy.STATUSES
    assert tuple(taxonomy.STATUS_AGENT_LABELS) == taxonomy.STATUSES
    assert tuple(taxonomy.PRIORITY_LABELS) == taxonomy.PRIORITIES
    assert tuple(taxonomy.ROLE_LABELS) == taxonomy.ROLES
    assert tuple(taxonomy.CHANNEL_LABELS) == taxonomy.CHANNELS
    assert tuple(taxonomy.SLA_LABELS) == taxonomy.SLA_STATES
    assert set(taxonomy.OPEN_STATUSES) < set(taxonomy.STATUSES)


def test_schemas_use_the_taxonomy() -> None:
    fields = schemas.TicketSummary.model_fields
    assert get_args(fields["status"].annotation) == taxonomy.STATUSES
    assert get_args(fields["priority"].annotation) == taxonomy.PRIORITIES
    assert get_args(schemas.AgentOut.model_fields["role"].annotation) == taxonomy.ROLES
    assert get_args(schemas.SlaOut.model_fields["state"].annotation) == taxonomy.SLA_STATES
    create = schemas.TicketCreate.model_fields
    assert get_args(create["category"].annotation) == taxonomy.CATEGORIES
    assert get_args(create["channel"].annotation) == taxonomy.CHANNELS

"""Incidents: similar tickets of many requesters grouped and answered once (issue 14).

Revision ID: 0007
Revises: 0004 (the support desk's branch)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TICKET_FK = "fk_support_tickets_incident_id"


def upgrade() -> None:
    op.create_table(
        "support_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("ticket_count", sa.Integer(), nullable=False),
        sa.Column("requester_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_ticket_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_ticket_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("last_reply", sa.Text(), nullable=True),
        sa.Column("last_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reply_agent_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["last_reply_agent_id"], ["support_agents.id"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_support_incidents_status", "support_incidents", ["status"])
    op.create_index("ix_support_incidents_last_ticket_at", "support_incidents", ["last_ticket_at"])
    with op.batch_alter_table("support_tickets") as batch:
        batch.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            TICKET_FK, "support_incidents", ["incident_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_support_tickets_incident_id", ["incident_id"])


def downgrade() -> None:
    with op.batch_alter_table("support_tickets") as batch:
        batch.drop_index("ix_support_tickets_incident_id")
        batch.drop_constraint(TICKET_FK, type_="foreignkey")
        batch.drop_column("incident_id")
    op.drop_index("ix_support_incidents_last_ticket_at", table_name="support_incidents")
    op.drop_index("ix_support_incidents_status", table_name="support_incidents")
    op.drop_table("support_incidents")

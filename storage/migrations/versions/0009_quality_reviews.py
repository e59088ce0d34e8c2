"""Quality review of answered chat turns: the queue and its verdicts (issue 15).

The row copies what it needs from its turn; ``turn_id`` becomes NULL when the chat retention
purge deletes the turn. The reviewer is a support agent (table of revision 0004).

Revision ID: 0009
Revises: 0005 (the chat's branch); depends on 0004 (support agents)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0004"


def upgrade() -> None:
    op.create_table(
        "quality_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.String(length=200), nullable=False),
        sa.Column("source_title", sa.String(length=400), nullable=True),
        sa.Column("source_url", sa.String(length=1000), nullable=True),
        sa.Column("margin", sa.Float(), nullable=True),
        sa.Column("feedback", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("page", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["turn_id"], ["chat_turns.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["support_agents.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("turn_id"),
    )
    op.create_index("ix_quality_reviews_answered_at", "quality_reviews", ["answered_at"])
    op.create_index("ix_quality_reviews_verdict", "quality_reviews", ["verdict"])


def downgrade() -> None:
    op.drop_index("ix_quality_reviews_verdict", table_name="quality_reviews")
    op.drop_index("ix_quality_reviews_answered_at", table_name="quality_reviews")
    op.drop_table("quality_reviews")

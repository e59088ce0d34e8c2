"""FAQ drafts written from agents' answers, their reviews and publications (issue 15).

Revision ID: 0011
Revises: 0004 (the support desk's branch)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_faq_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("wordings", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.String(length=120), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["support_tickets.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["author_id"], ["support_agents.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["support_agents.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", name="uq_support_faq_drafts_entry_id"),
    )
    op.create_index("ix_support_faq_drafts_status", "support_faq_drafts", ["status"])
    op.create_table(
        "support_faq_draft_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["support_faq_drafts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agent_id"], ["support_agents.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_support_faq_draft_events_draft_id", "support_faq_draft_events", ["draft_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_support_faq_draft_events_draft_id", table_name="support_faq_draft_events")
    op.drop_table("support_faq_draft_events")
    op.drop_index("ix_support_faq_drafts_status", table_name="support_faq_drafts")
    op.drop_table("support_faq_drafts")

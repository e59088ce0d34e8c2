"""Feedback (thumbs up / down) on a chat turn.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Later features branch from here (``down_revision = "0002"``) with their own revisions;
``upgrade heads`` applies every branch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_turns") as batch:
        batch.add_column(sa.Column("feedback", sa.String(16), nullable=True))
        batch.add_column(sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_turns") as batch:
        batch.drop_column("feedback_at")
        batch.drop_column("feedback")

"""Conversation erasure: the record of each conversation erased at its user's request (the
date and the SHA-256 of the session id, no content; issue 15).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_chat_erasures_session_hash", "chat_erasures", ["session_hash"])


def downgrade() -> None:
    op.drop_index("ix_chat_erasures_session_hash", table_name="chat_erasures")
    op.drop_table("chat_erasures")

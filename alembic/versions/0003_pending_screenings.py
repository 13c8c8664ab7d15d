"""Messages whose photos and documents are queued for screening.

Revision ID: 0003
Revises: 0002
Created: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage.columns import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("message_revision", sa.BigInteger(), nullable=False),
        sa.Column("group_title", sa.String(length=255), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("forwarded", sa.Boolean(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("sealed_details", sa.LargeBinary(), nullable=True),
        sa.Column("redacted_caption", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_screenings")),
    )
    op.create_index(
        "uq_pending_screenings_message_revision",
        "pending_screenings",
        ["chat_id", "message_id", "message_revision"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_pending_screenings_message_revision", table_name="pending_screenings")
    op.drop_table("pending_screenings")

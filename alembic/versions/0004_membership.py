"""Members' agreement to the code of conduct, and the deadlines of those who have not agreed.

Revision ID: 0004
Revises: 0003
Created: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "member_agreements",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("asked_because", sa.String(16), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("asked_version", sa.String(48), nullable=True),
        sa.Column("agreed_version", sa.String(48), nullable=True),
        sa.Column("pending_since", utc(), nullable=True),
        sa.Column("asked_at", utc(), nullable=True),
        sa.Column("asked_where", sa.String(16), nullable=False),
        sa.Column("prompt_message_id", sa.BigInteger(), nullable=True),
        sa.Column("remind_at", utc(), nullable=True),
        sa.Column("reminded_at", utc(), nullable=True),
        sa.Column("remove_at", utc(), nullable=True),
        sa.Column("agreed_at", utc(), nullable=True),
        sa.Column("updated_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["groups.chat_id"],
            name="fk_member_agreements_chat_id_groups",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_member_agreements"),
    )
    op.create_index(
        "ix_member_agreements_status_remind_at", "member_agreements", ["status", "remind_at"]
    )
    op.create_index(
        "ix_member_agreements_status_remove_at", "member_agreements", ["status", "remove_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_member_agreements_status_remove_at", table_name="member_agreements")
    op.drop_index("ix_member_agreements_status_remind_at", table_name="member_agreements")
    op.drop_table("member_agreements")

"""Staff verification: join requests, emailed codes, verified members, the trust's roster.

Revision ID: 0005
Revises: 0004
Created: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def group_key(table: str) -> list[sa.SchemaItem]:
    """The (chat_id, user_id) key of a per-member table, deleted with its group."""
    return [
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["groups.chat_id"], name=f"fk_{table}_chat_id_groups", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "join_requests",
        *group_key("join_requests"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("user_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("requested_at", utc(), nullable=False),
        sa.Column("decide_by", utc(), nullable=False),
        sa.Column("decided_at", utc(), nullable=True),
    )
    op.create_index("ix_join_requests_status_decide_by", "join_requests", ["status", "decide_by"])
    op.create_table(
        "verification_codes",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=False),
        sa.Column("email_shown", sa.String(160), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("code_salt", sa.String(32), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("attempts_left", sa.Integer(), nullable=False),
        sa.Column("sent_at", utc(), nullable=False),
        sa.Column("expires_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_verification_codes"),
    )
    op.create_table(
        "staff_verifications",
        *group_key("staff_verifications"),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=True),
        sa.Column("email_shown", sa.String(160), nullable=False),
        sa.Column("verified_at", utc(), nullable=False),
        sa.Column("expires_at", utc(), nullable=True),
        sa.Column("expiry_told_at", utc(), nullable=True),
        sa.Column("revoked_at", utc(), nullable=True),
        sa.Column("revoked_reason", sa.String(200), nullable=False),
        sa.Column("removed_at", utc(), nullable=True),
    )
    op.create_index("ix_staff_verifications_email_hash", "staff_verifications", ["email_hash"])
    op.create_index("ix_staff_verifications_expires_at", "staff_verifications", ["expires_at"])
    op.create_table(
        "staff_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=True),
        sa.Column("email_shown", sa.String(160), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("telegram_username", sa.String(64), nullable=True),
        sa.Column("imported_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_roster"),
    )
    op.create_index("ix_staff_roster_email_hash", "staff_roster", ["email_hash"])
    op.create_index("ix_staff_roster_telegram_user_id", "staff_roster", ["telegram_user_id"])
    op.create_index("ix_staff_roster_telegram_username", "staff_roster", ["telegram_username"])


def downgrade() -> None:
    op.drop_table("staff_roster")
    op.drop_table("staff_verifications")
    op.drop_table("verification_codes")
    op.drop_table("join_requests")

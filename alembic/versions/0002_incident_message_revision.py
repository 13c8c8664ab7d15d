"""Incidents remember which version of a message they are about, once per version.

Revision ID: 0002
Revises: 0001
Created: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("message_revision", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.create_index(
            "uq_incidents_message_revision",
            ["chat_id", "message_id", "message_revision"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index("uq_incidents_message_revision")
        batch.drop_column("message_revision")

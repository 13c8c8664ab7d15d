"""Initial schema: groups, members, incidents and their outcomes, quarantine, holds, strikes, audit.

Revision ID: 0001
Revises:
Created: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("bot_status", sa.String(32), nullable=False),
        sa.Column("can_delete_messages", sa.Boolean(), nullable=False),
        sa.Column("can_restrict_members", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", utc(), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name="pk_groups"),
    )
    op.create_table(
        "members",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("display_name", sa.String(255), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", utc(), nullable=False),
        sa.Column("last_seen_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["groups.chat_id"], name="fk_members_chat_id_groups", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_members"),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("poster_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("occurred_at", utc(), nullable=False),
        sa.Column("recorded_at", utc(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_changed_at", utc(), nullable=True),
        sa.Column("redacted_text", sa.Text(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("forwarded", sa.Boolean(), nullable=False),
        sa.Column("failed_detectors", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["groups.chat_id"], name="fk_incidents_chat_id_groups", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_occurred_at_id", "incidents", ["occurred_at", "id"])
    op.create_index("ix_incidents_chat_id_occurred_at", "incidents", ["chat_id", "occurred_at"])
    op.create_index("ix_incidents_poster_id_occurred_at", "incidents", ["poster_id", "occurred_at"])
    op.create_index("ix_incidents_status_occurred_at", "incidents", ["status", "occurred_at"])
    op.create_index("ix_incidents_action_occurred_at", "incidents", ["action", "occurred_at"])
    op.create_index("ix_incidents_chat_id_message_id", "incidents", ["chat_id", "message_id"])

    op.create_table(
        "incident_categories",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("occurred_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_categories_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "category", name="pk_incident_categories"),
    )
    op.create_index(
        "ix_incident_categories_category_occurred_at",
        "incident_categories",
        ["category", "occurred_at", "incident_id"],
    )
    op.create_table(
        "incident_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_findings_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incident_findings"),
    )
    op.create_index("ix_incident_findings_incident_id", "incident_findings", ["incident_id"])

    op.create_table(
        "action_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("attempted_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_action_outcomes_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_action_outcomes"),
    )
    op.create_index("ix_action_outcomes_incident_id", "action_outcomes", ["incident_id"])

    op.create_table(
        "quarantined_originals",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_fingerprint", sa.String(16), nullable=False),
        sa.Column("stored_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_quarantined_originals_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name="pk_quarantined_originals"),
    )
    op.create_index("ix_quarantined_originals_stored_at", "quarantined_originals", ["stored_at"])

    op.create_table(
        "held_posts",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("held_at", utc(), nullable=False),
        sa.Column("decided_at", utc(), nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_held_posts_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name="pk_held_posts"),
    )
    op.create_index("ix_held_posts_status_held_at", "held_posts", ["status", "held_at"])

    op.create_table(
        "strikes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("poster_id", sa.BigInteger(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("given_at", utc(), nullable=False),
        sa.Column("revoked_at", utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["groups.chat_id"], name="fk_strikes_chat_id_groups", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_strikes_incident_id_incidents",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_strikes"),
    )
    op.create_index("ix_strikes_incident_id", "strikes", ["incident_id"])
    op.create_index(
        "ix_strikes_poster_id_chat_id_given_at", "strikes", ["poster_id", "chat_id", "given_at"]
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", utc(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_incident_id_at", "audit_events", ["incident_id", "at"])


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes.
    for table in (
        "audit_events",
        "strikes",
        "held_posts",
        "quarantined_originals",
        "action_outcomes",
        "incident_findings",
        "incident_categories",
        "incidents",
        "members",
        "groups",
    ):
        op.drop_table(table)

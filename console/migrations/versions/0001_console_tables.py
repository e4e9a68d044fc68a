"""console tables

Revision ID: 0001
Revises:
Create Date: 2026-11-28 13:18:36.298676
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=512), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_audit", schema=None) as batch_op:
        batch_op.create_index("ix_console_audit_at", ["at"], unique=False)

    op.create_table(
        "console_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("first_at", sa.Float(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("bot_messages", sa.Integer(), nullable=False),
        sa.Column("min_confidence", sa.Float(), nullable=True),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("handoff", sa.Boolean(), nullable=False),
        sa.Column("unanswered", sa.Boolean(), nullable=False),
        sa.Column("first_text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender_id"),
    )
    with op.batch_alter_table("console_conversations", schema=None) as batch_op:
        batch_op.create_index("ix_console_conversations_channel_last_at", ["channel", "last_at"], unique=False)
        batch_op.create_index("ix_console_conversations_fallback_last_at", ["fallback", "last_at"], unique=False)
        batch_op.create_index("ix_console_conversations_first_at", ["first_at"], unique=False)
        batch_op.create_index("ix_console_conversations_handoff_last_at", ["handoff", "last_at"], unique=False)
        batch_op.create_index("ix_console_conversations_last_at", ["last_at"], unique=False)
        batch_op.create_index("ix_console_conversations_min_confidence", ["min_confidence"], unique=False)

    op.create_table(
        "console_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("predicted_intent", sa.String(length=255), nullable=True),
        sa.Column("corrected_intent", sa.String(length=255), nullable=False),
        sa.Column("corrected_by", sa.String(length=64), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("console_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_corrections_sender_id"), ["sender_id"], unique=False)

    op.create_table(
        "console_index_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=False),
        sa.Column("max_event_id", sa.Integer(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "console_index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "console_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_notes_sender_id"), ["sender_id"], unique=False)

    op.create_table(
        "console_reviews",
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_id"),
    )
    op.create_table(
        "console_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "console_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender_id", "tag", name="uq_console_tags_sender_tag"),
    )
    with op.batch_alter_table("console_tags", schema=None) as batch_op:
        batch_op.create_index("ix_console_tags_tag", ["tag"], unique=False)

    op.create_table(
        "console_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=255), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("handoff", sa.Boolean(), nullable=False),
        sa.Column("unanswered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["console_conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("console_messages", schema=None) as batch_op:
        batch_op.create_index("ix_console_messages_conversation", ["conversation_id"], unique=False)
        batch_op.create_index("ix_console_messages_day", ["day"], unique=False)
        batch_op.create_index("ix_console_messages_intent_conversation", ["intent", "conversation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("console_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_console_messages_intent_conversation")
        batch_op.drop_index("ix_console_messages_day")
        batch_op.drop_index("ix_console_messages_conversation")

    op.drop_table("console_messages")
    with op.batch_alter_table("console_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_console_tags_tag")

    op.drop_table("console_tags")
    op.drop_table("console_staff")
    op.drop_table("console_reviews")
    with op.batch_alter_table("console_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_notes_sender_id"))

    op.drop_table("console_notes")
    op.drop_table("console_index_state")
    op.drop_table("console_index_runs")
    with op.batch_alter_table("console_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_corrections_sender_id"))

    op.drop_table("console_corrections")
    with op.batch_alter_table("console_conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_console_conversations_min_confidence")
        batch_op.drop_index("ix_console_conversations_last_at")
        batch_op.drop_index("ix_console_conversations_handoff_last_at")
        batch_op.drop_index("ix_console_conversations_first_at")
        batch_op.drop_index("ix_console_conversations_fallback_last_at")
        batch_op.drop_index("ix_console_conversations_channel_last_at")

    op.drop_table("console_conversations")
    with op.batch_alter_table("console_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_console_audit_at")

    op.drop_table("console_audit")

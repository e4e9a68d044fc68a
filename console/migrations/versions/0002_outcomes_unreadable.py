"""outcomes and unreadable events in the index

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00

`console_messages.outcome` holds the outcome of the assistant's replies to a message,
`console_conversations.unreadable` how many of a conversation's events could not be read.
The index is rescanned from the start at the next refresh, so that conversations indexed
before keep nothing stale (staff work is not touched).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("console_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_console_messages_outcome_conversation", ["outcome", "conversation_id"], unique=False)
    with op.batch_alter_table("console_conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unreadable", sa.Integer(), nullable=False, server_default="0"))
    op.execute("DELETE FROM console_index_runs")
    op.execute("DELETE FROM console_index_state")


def downgrade() -> None:
    with op.batch_alter_table("console_conversations", schema=None) as batch_op:
        batch_op.drop_column("unreadable")
    with op.batch_alter_table("console_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_console_messages_outcome_conversation")
        batch_op.drop_column("outcome")

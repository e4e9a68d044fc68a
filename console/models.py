"""The console's own tables, created by the Alembic migrations in console/migrations.

Rasa's `events` table is described here (without being created) so that the console
can read it. Everything prefixed `console_` belongs to the console:

- index: `console_conversations` and `console_messages`, a summary of the events
  maintained incrementally by console.indexer, so that lists and filters never parse
  the events' JSON; `console_index_runs` remembers how far the index got.
- staff work: `console_reviews`, `console_tags`, `console_notes`, `console_corrections`
  (keyed by sender id / event id, so they survive rebuilding the index).
- `console_staff` (users) and `console_audit` (who viewed or exported what).

The `events` table may live in another database than the console's tables (CONSOLE_DB_URL
and CONSOLE_TRACKER_URL, docs/deployment.md): nothing joins them in SQL.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Rasa's SQL tracker store table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent): read only.
rasa_metadata = MetaData()
events = Table(
    "events",
    rasa_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

conversations = Table(
    "console_conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, unique=True),
    Column("channel", String(64), nullable=False, default="desconocido"),
    Column("first_at", Float, nullable=False),
    Column("last_at", Float, nullable=False),
    Column("first_day", Date, nullable=False),
    Column("user_messages", Integer, nullable=False, default=0),
    Column("bot_messages", Integer, nullable=False, default=0),
    Column("min_confidence", Float),
    Column("fallback", Boolean, nullable=False, default=False),
    Column("handoff", Boolean, nullable=False, default=False),
    Column("unanswered", Boolean, nullable=False, default=False),
    Column("first_text", Text, nullable=False, default=""),
    Column("search_text", Text, nullable=False, default=""),
    Column("last_event_id", Integer, nullable=False),
    # Events of this conversation the index could not read (bad JSON, wrong types...).
    Column("unreadable", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_console_conversations_last_at", "last_at"),
    Index("ix_console_conversations_first_at", "first_at"),
    Index("ix_console_conversations_channel_last_at", "channel", "last_at"),
    Index("ix_console_conversations_fallback_last_at", "fallback", "last_at"),
    Index("ix_console_conversations_handoff_last_at", "handoff", "last_at"),
    Index("ix_console_conversations_min_confidence", "min_confidence"),
)

messages = Table(
    "console_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", Integer, ForeignKey("console_conversations.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Integer, nullable=False, unique=True),
    Column("at", Float, nullable=False),
    Column("day", Date, nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("intent", String(255)),
    Column("confidence", Float),
    Column("fallback", Boolean, nullable=False, default=False),
    Column("handoff", Boolean, nullable=False, default=False),
    Column("unanswered", Boolean, nullable=False, default=False),
    # The outcome of the assistant's replies to this message (console.text.OUTCOME_LABELS),
    # None for conversations older than the field.
    Column("outcome", String(32)),
    Index("ix_console_messages_conversation", "conversation_id"),
    Index("ix_console_messages_outcome_conversation", "outcome", "conversation_id"),
    Index("ix_console_messages_intent_conversation", "intent", "conversation_id"),
    Index("ix_console_messages_day", "day"),
)

# Every ID up to `checkpoint` is indexed for good; each run rescans the events after it
# (see console.indexer for why) and is remembered until it is old enough to move it.
index_state = Table(
    "console_index_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("checkpoint", Integer, nullable=False),
)

index_runs = Table(
    "console_index_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("finished_at", Float, nullable=False),
    Column("max_event_id", Integer, nullable=False),
    Column("seen", Integer, nullable=False),
)

staff = Table(
    "console_staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("session_nonce", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
)

audit = Table(
    "console_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(512), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("ip", String(64), nullable=False, default=""),
    Index("ix_console_audit_at", "at"),
)

reviews = Table(
    "console_reviews",
    metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("reviewed_by", String(64), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
)

tags = Table(
    "console_tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("tag", String(64), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("sender_id", "tag", name="uq_console_tags_sender_tag"),
    Index("ix_console_tags_tag", "tag"),
)

notes = Table(
    "console_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("author", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

corrections = Table(
    "console_corrections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, nullable=False, unique=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("predicted_intent", String(255)),
    Column("corrected_intent", String(255), nullable=False),
    Column("corrected_by", String(64), nullable=False),
    Column("corrected_at", DateTime(timezone=True), nullable=False),
)

"""Retention: what the tracker store and the console keep of conversations older than
CONSOLE_RETENTION_DAYS (180 by default) is deleted by `python -m console prune`.

Every event older than the period is deleted from the tracker store. A conversation all
of whose events are older is deleted entirely: its events, its rows in the console's
index and the staff's work on it (review mark, tags, notes, corrected intents). A
conversation that continued after the limit (the same WhatsApp citizen months later)
keeps its newer events and is indexed again; only the corrections of its deleted
messages go with them. The audit log is kept.

`plan` only counts (the dry run, what `prune` does without `--apply`); `apply` deletes.
Deleting events needs a database role allowed to (CONSOLE_PRUNE_URL): the console's own
reader role only selects them (docs/deployment.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import List, Optional

from sqlalchemy import case, delete, func, inspect, or_, select
from sqlalchemy.engine import Engine

from console.indexer import Indexer
from console.models import conversations, corrections, events, notes, reviews, tags

DAY = 86400
CHUNK = 500


@dataclass
class Plan:
    """What pruning at `cutoff` (epoch seconds) deletes."""

    cutoff: float
    events: int = 0
    whole: List[str] = field(default_factory=list)  # conversations deleted entirely
    partial: List[str] = field(default_factory=list)  # conversations that keep newer events
    index_only: List[str] = field(default_factory=list)  # indexed, but their events are already gone

    @property
    def conversations(self) -> int:
        return len(self.whole) + len(self.partial)


def cutoff_for(days: int, now: Optional[float] = None) -> float:
    return (time.time() if now is None else now) - days * DAY


def plan(tracker: Engine, console: Engine, cutoff: float) -> Plan:
    """Count what pruning at `cutoff` would delete (reads only)."""
    result = Plan(cutoff)
    if inspect(tracker).has_table("events"):
        old = func.sum(case((events.c.timestamp < cutoff, 1), else_=0))
        with tracker.connect() as conn:
            for sender, count, last in conn.execute(
                select(events.c.sender_id, old, func.max(events.c.timestamp))
                .group_by(events.c.sender_id)
                .having(func.min(events.c.timestamp) < cutoff)
                .order_by(events.c.sender_id)
            ):
                result.events += count or 0
                (result.whole if last is None or last < cutoff else result.partial).append(sender)
    pruned = set(result.whole) | set(result.partial)
    with console.connect() as conn:
        result.index_only = [
            sender
            for sender in conn.scalars(select(conversations.c.sender_id).where(conversations.c.last_at < cutoff))
            if sender not in pruned
        ]
    return result


def apply(prune: Engine, console: Engine, indexer: Indexer, found: Plan) -> None:
    """Delete what `found` lists: events through `prune` (a role allowed to delete), then the index and staff work."""
    cutoff = found.cutoff
    for start in range(0, len(found.whole), CHUNK):
        chunk = found.whole[start : start + CHUNK]
        with prune.begin() as conn:
            # Only old events (or undated ones): a message that arrives meanwhile is kept.
            conn.execute(
                delete(events).where(
                    events.c.sender_id.in_(chunk), or_(events.c.timestamp < cutoff, events.c.timestamp.is_(None))
                )
            )
    for start in range(0, len(found.partial), CHUNK):
        chunk = found.partial[start : start + CHUNK]
        with prune.begin() as conn:
            conn.execute(delete(events).where(events.c.sender_id.in_(chunk), events.c.timestamp < cutoff))
    gone = found.whole + found.index_only
    for start in range(0, len(gone), CHUNK):
        chunk = gone[start : start + CHUNK]
        with console.begin() as conn:
            for table in (reviews, tags, notes, corrections):
                conn.execute(delete(table).where(table.c.sender_id.in_(chunk)))
    for start in range(0, len(found.partial), CHUNK):
        chunk = found.partial[start : start + CHUNK]
        with prune.connect() as conn:
            kept = set(conn.scalars(select(events.c.id).where(events.c.sender_id.in_(chunk))))
        with console.begin() as conn:
            stale = [
                row.id
                for row in conn.execute(
                    select(corrections.c.id, corrections.c.event_id).where(corrections.c.sender_id.in_(chunk))
                )
                if row.event_id not in kept
            ]
            if stale:
                conn.execute(delete(corrections).where(corrections.c.id.in_(stale)))
    # The index recomputes them from what is left: a conversation without events leaves it.
    touched = found.whole + found.partial + found.index_only
    for start in range(0, len(touched), CHUNK):
        indexer.reindex(touched[start : start + CHUNK])

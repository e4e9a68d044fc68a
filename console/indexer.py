"""Incremental index of the tracker store: one row per conversation and per user message.

Filters over 100,000 conversations must not parse the events' JSON on every request,
so the console keeps `console_conversations` and `console_messages` up to date from
Rasa's `events` table (read only).

How it stays correct with concurrent writers: Rasa commits each turn's events in one
transaction, and on PostgreSQL IDs come from a sequence, so an event with a lower ID
can become visible after one with a higher ID. Each run therefore rescans every event
after a `checkpoint` (or, when the number of events up to the previous run's highest ID
shows that none arrived late, only the events after that ID), collects the conversations
those events belong to and recomputes them entirely (idempotent); the checkpoint only
moves to the highest ID seen by a run that finished more than SETTLE_SECONDS ago, when
every earlier transaction has long committed. When nothing changed after the checkpoint (same count, same maximum), the
run costs two small queries.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Dict, Iterable, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, insert, inspect, select, update
from sqlalchemy.engine import Connection, Engine

import settings
from console.models import conversations, events, index_runs, index_state, messages
from console.text import (
    FALLBACK_ACTIONS,
    FALLBACK_INTENT,
    FALLBACK_RESPONSES,
    HANDOFF_ACTIONS,
    HANDOFF_INTENT,
    OUT_OF_SCOPE_INTENT,
    OUT_OF_SCOPE_RESPONSES,
    UNANSWERED_REPLY,
    event_data,
    normalize,
)

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 120
CHUNK = 500
_lock = threading.Lock()


@dataclass
class Message:
    event_id: int
    at: float
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    fallback: bool = False
    handoff: bool = False
    unanswered: bool = False


@dataclass
class Summary:
    sender_id: str
    channel: str = ""
    first_at: Optional[float] = None
    last_at: Optional[float] = None
    bot_messages: int = 0
    last_event_id: int = 0
    messages: List[Message] = field(default_factory=list)


def best_confidence(parse_data: dict) -> Optional[float]:
    """The classifier's confidence in its best real intent (for nlu_fallback, the best candidate's)."""
    intent = parse_data.get("intent") or {}
    candidates = [intent]
    if intent.get("name") == FALLBACK_INTENT:
        candidates = [
            c for c in parse_data.get("intent_ranking") or [] if c.get("name") != FALLBACK_INTENT
        ] + candidates
    for candidate in candidates:
        if isinstance(candidate.get("confidence"), (int, float)):
            return float(candidate["confidence"])
    return None


def summarize(sender_id: str, rows: Iterable[Sequence]) -> Summary:
    """Summarize one conversation from its event rows (id, type_name, timestamp, action_name, data), in order."""
    summary = Summary(sender_id)
    current: Optional[Message] = None
    for event_id, type_name, timestamp, action_name, data in rows:
        summary.last_event_id = max(summary.last_event_id, event_id)
        if type_name == "user":
            payload = event_data(data)
            parse = payload.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name")
            current = Message(
                event_id=event_id,
                at=float(timestamp or 0),
                text=str(payload.get("text") or ""),
                intent=intent,
                confidence=best_confidence(parse),
                fallback=intent == FALLBACK_INTENT,
                handoff=intent == HANDOFF_INTENT,
                unanswered=intent == OUT_OF_SCOPE_INTENT,
            )
            summary.messages.append(current)
            summary.channel = summary.channel or str(payload.get("input_channel") or "")
        elif type_name == "bot":
            summary.bot_messages += 1
            payload = event_data(data)
            response = (payload.get("metadata") or {}).get("utter_action")
            if current is not None:
                if response in FALLBACK_RESPONSES:
                    current.fallback = True
                if response in OUT_OF_SCOPE_RESPONSES or UNANSWERED_REPLY.search(str(payload.get("text") or "")):
                    current.unanswered = True
        elif type_name == "action" and current is not None:
            if action_name in FALLBACK_ACTIONS:
                current.fallback = True
            if action_name in HANDOFF_ACTIONS:
                current.handoff = True
        else:
            continue
        if type_name in ("user", "bot") and timestamp is not None:
            summary.first_at = timestamp if summary.first_at is None else min(summary.first_at, timestamp)
            summary.last_at = timestamp if summary.last_at is None else max(summary.last_at, timestamp)
    return summary


class Indexer:
    """Keeps the console's index of `engine`'s tracker store up to date."""

    def __init__(self, engine: Engine, timezone: str = settings.TIMEZONE, min_interval: float = 0.0) -> None:
        self.engine = engine
        self.zone = ZoneInfo(timezone)
        self.min_interval = min_interval
        self._last_run = 0.0
        self._has_events = False  # once Rasa has created its table, it stays

    def day(self, timestamp: float) -> date:
        return datetime.fromtimestamp(timestamp, self.zone).date()

    def refresh(self, force: bool = False, now: Optional[float] = None) -> int:
        """Index what changed since the checkpoint; returns how many conversations were recomputed."""
        if not force and time.monotonic() - self._last_run < self.min_interval:
            return 0
        with _lock:
            if not force and time.monotonic() - self._last_run < self.min_interval:
                return 0  # another request refreshed while this one waited for the lock
            if not self._has_events:
                if not inspect(self.engine).has_table("events"):
                    return 0
                self._has_events = True
            with self.engine.begin() as conn:
                changed = self._refresh(conn, time.time() if now is None else now)
            self._last_run = time.monotonic()
            return changed

    def _refresh(self, conn: Connection, now: float) -> int:
        checkpoint = conn.scalar(select(index_state.c.checkpoint).where(index_state.c.id == 1))
        if checkpoint is None:
            conn.execute(insert(index_state).values(id=1, checkpoint=0))
            checkpoint = 0
        seen, max_id = conn.execute(select(func.count(), func.max(events.c.id)).where(events.c.id > checkpoint)).one()
        last = conn.execute(
            select(index_runs.c.max_event_id, index_runs.c.seen).order_by(index_runs.c.id.desc()).limit(1)
        ).first()
        changed = 0
        if seen and not (last is not None and last.seen == seen and last.max_event_id == max_id):
            since = checkpoint
            if last is not None:
                # Events the last run could not see yet (lower IDs committed late) change this count.
                known = conn.scalar(
                    select(func.count())
                    .select_from(events)
                    .where(events.c.id > checkpoint, events.c.id <= last.max_event_id)
                )
                if known == last.seen:
                    since = last.max_event_id
            senders = conn.scalars(select(events.c.sender_id).where(events.c.id > since).distinct()).all()
            for start in range(0, len(senders), CHUNK):
                changed += self._reindex(conn, senders[start : start + CHUNK])
        # Move the checkpoint to what a run that finished long enough ago had seen.
        settled = conn.scalar(
            select(func.max(index_runs.c.max_event_id)).where(index_runs.c.finished_at <= now - SETTLE_SECONDS)
        )
        if settled is not None and settled > checkpoint:
            checkpoint = settled
            conn.execute(update(index_state).where(index_state.c.id == 1).values(checkpoint=checkpoint))
            conn.execute(delete(index_runs).where(index_runs.c.finished_at <= now - SETTLE_SECONDS))
            seen = conn.scalar(select(func.count()).select_from(events).where(events.c.id > checkpoint))
        if max_id is not None and max_id > checkpoint:
            conn.execute(insert(index_runs).values(finished_at=now, max_event_id=max_id, seen=seen))
        return changed

    def rebuild(self) -> int:
        """Forget the index and build it again from every event (staff work is kept)."""
        with _lock, self.engine.begin() as conn:
            conn.execute(delete(messages))
            conn.execute(delete(conversations))
            conn.execute(delete(index_runs))
            conn.execute(delete(index_state))
        return self.refresh(force=True)

    def _reindex(self, conn: Connection, senders: List[str]) -> int:
        rows = conn.execute(
            select(
                events.c.sender_id,
                events.c.id,
                events.c.type_name,
                events.c.timestamp,
                events.c.action_name,
                events.c.data,
            )
            .where(events.c.sender_id.in_(senders), events.c.type_name.in_(("user", "bot", "action")))
            .order_by(events.c.sender_id, events.c.id)
        )
        grouped: Dict[str, List[Tuple]] = {}
        for row in rows:
            grouped.setdefault(row[0], []).append(tuple(row[1:]))
        summaries = [summarize(sender, grouped.get(sender, [])) for sender in senders]
        existing = dict(
            conn.execute(
                select(conversations.c.sender_id, conversations.c.id).where(conversations.c.sender_id.in_(senders))
            ).all()
        )
        if existing:
            conn.execute(delete(messages).where(messages.c.conversation_id.in_(list(existing.values()))))
        empty = [s.sender_id for s in summaries if not s.messages and s.sender_id in existing]
        if empty:
            conn.execute(delete(conversations).where(conversations.c.sender_id.in_(empty)))
        kept = [s for s in summaries if s.messages]
        updates = [self._conversation_row(s) | {"b_sender": s.sender_id} for s in kept if s.sender_id in existing]
        if updates:
            values = {k: bindparam(k) for k in updates[0] if k not in ("b_sender", "sender_id")}
            conn.execute(
                update(conversations).where(conversations.c.sender_id == bindparam("b_sender")).values(values), updates
            )
        new = [self._conversation_row(s) for s in kept if s.sender_id not in existing]
        if new:
            conn.execute(insert(conversations), new)
        ids = dict(
            conn.execute(
                select(conversations.c.sender_id, conversations.c.id).where(conversations.c.sender_id.in_(senders))
            ).all()
        )
        message_rows = [
            {
                "conversation_id": ids[s.sender_id],
                "event_id": m.event_id,
                "at": m.at,
                "day": self.day(m.at),
                "text": m.text,
                "intent": m.intent,
                "confidence": m.confidence,
                "fallback": m.fallback,
                "handoff": m.handoff,
                "unanswered": m.unanswered,
            }
            for s in kept
            for m in s.messages
        ]
        if message_rows:
            conn.execute(insert(messages), message_rows)
        return len(kept)

    def _conversation_row(self, s: Summary) -> dict:
        confidences = [m.confidence for m in s.messages if m.confidence is not None]
        first_at = s.first_at if s.first_at is not None else s.messages[0].at
        return {
            "sender_id": s.sender_id,
            "channel": s.channel or "desconocido",
            "first_at": first_at,
            "last_at": s.last_at if s.last_at is not None else s.messages[-1].at,
            "first_day": self.day(first_at),
            "user_messages": len(s.messages),
            "bot_messages": s.bot_messages,
            "min_confidence": min(confidences) if confidences else None,
            "fallback": any(m.fallback for m in s.messages),
            "handoff": any(m.handoff for m in s.messages),
            "unanswered": any(m.unanswered for m in s.messages),
            "first_text": s.messages[0].text[:300],
            "search_text": "\n".join(normalize(m.text) for m in s.messages),
            "last_event_id": s.last_event_id,
        }

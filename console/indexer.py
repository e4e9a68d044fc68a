"""Incremental index of the tracker store: one row per conversation and per user message.

Filters over 100,000 conversations must not parse the events' JSON on every request,
so the console keeps `console_conversations` and `console_messages` up to date from
Rasa's `events` table, which it only reads. The events may be in another database than
the console's own tables (`tracker`, CONSOLE_TRACKER_URL): nothing here joins them.

How it stays correct with concurrent writers: Rasa commits each turn's events in one
transaction, and on PostgreSQL IDs come from a sequence, so an event with a lower ID
can become visible after one with a higher ID. Each run therefore rescans every event
after a `checkpoint` (or, when the number of events up to the previous run's highest ID
shows that none arrived late, only the events after that ID), collects the conversations
those events belong to and recomputes them entirely (idempotent); the checkpoint only
moves to the highest ID seen by a run that finished more than SETTLE_SECONDS ago, when
every earlier transaction has long committed. When nothing changed after the checkpoint
(same count, same maximum), the run costs two small queries. On PostgreSQL, console
processes sharing the database take turns (an advisory lock): one indexes, the others
show what is indexed.

Hostile or damaged events never stop the index: every text is cleaned before it enters
the console's tables (console.text.clean_text: no U+0000, no control characters, no lone
surrogates), an event that cannot be read (bad JSON, a field of the wrong type, a
timestamp that is no date) is counted as unreadable in its conversation and skipped, a
conversation that still cannot be written is skipped; each is logged once, and the
checkpoint moves on.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError

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
    UNANSWERED_OUTCOMES,
    UNANSWERED_REPLY,
    clean_name,
    clean_text,
    is_clean,
    main_outcome,
    mapping,
    normalize,
    number,
    outcome_of,
    parse_event,
    timestamp,
)

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 120
CHUNK = 500
MAX_TEXT = 10_000  # characters of a message the index keeps (the transcript shows it all)
MAX_SENDER = 255  # console_conversations.sender_id
# pg_try_advisory_lock key of the index ("consola" in ASCII): one console process indexes at a time.
ADVISORY_LOCK = 0x636F6E736F6C61
_lock = threading.Lock()


class Unreadable(ValueError):
    """An event the index cannot read."""


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
    outcomes: List[str] = field(default_factory=list)  # of the replies that carry one
    legacy_unanswered: bool = False  # a reply without outcome matched today's wording

    @property
    def outcome(self) -> Optional[str]:
        return main_outcome(*self.outcomes)


@dataclass
class Summary:
    sender_id: str
    channel: str = ""
    first_at: Optional[float] = None
    last_at: Optional[float] = None
    any_at: Optional[float] = None  # of any event: dates a conversation whose messages are unreadable
    bot_messages: int = 0
    last_event_id: int = 0
    messages: List[Message] = field(default_factory=list)
    unreadable: List[int] = field(default_factory=list)

    @property
    def listed(self) -> bool:
        """Whether the conversation belongs in the index (something staff can read or must see)."""
        return bool(self.messages) or (bool(self.unreadable) and self.any_at is not None)


def best_confidence(parse_data: dict) -> Optional[float]:
    """The classifier's confidence in its best real intent (for nlu_fallback, the best candidate's)."""
    intent = mapping(parse_data.get("intent"))
    candidates = [intent]
    if intent.get("name") == FALLBACK_INTENT:
        ranking = parse_data.get("intent_ranking")
        ranking = ranking if isinstance(ranking, list) else []
        candidates = [mapping(c) for c in ranking if mapping(c).get("name") != FALLBACK_INTENT] + candidates
    for candidate in candidates:
        confidence = number(candidate.get("confidence"))
        if confidence is not None:
            return confidence
    return None


def _user_message(event_id: int, stamp: Any, data: Any) -> Tuple[Message, str]:
    payload = parse_event(data)
    if payload is None:
        raise Unreadable("not a JSON object")
    raw = payload.get("text")
    if raw is not None and not isinstance(raw, str):
        raise Unreadable("text is not a string")
    at = timestamp(stamp)
    if at is None:
        at = timestamp(payload.get("timestamp"))
    if at is None:
        raise Unreadable("no usable timestamp")
    parse = mapping(payload.get("parse_data"))
    intent = clean_name(mapping(parse.get("intent")).get("name"))
    message = Message(
        event_id=event_id,
        at=at,
        text=clean_text(raw, MAX_TEXT),
        intent=intent,
        confidence=best_confidence(parse),
        fallback=intent == FALLBACK_INTENT,
        handoff=intent == HANDOFF_INTENT,
    )
    return message, clean_name(payload.get("input_channel"), 64) or ""


def summarize(sender_id: str, rows: Iterable[Sequence]) -> Summary:
    """Summarize one conversation from its event rows (id, type_name, timestamp, action_name, data), in order.

    Never raises: an event it cannot read is counted in `unreadable` and left out.
    """
    summary = Summary(sender_id)
    current: Optional[Message] = None
    for event_id, type_name, stamp, action_name, data in rows:
        summary.last_event_id = max(summary.last_event_id, event_id)
        try:
            at = timestamp(stamp)
            if at is not None:
                summary.any_at = at if summary.any_at is None else max(summary.any_at, at)
            if type_name == "user":
                current, channel = _user_message(event_id, stamp, data)
                summary.messages.append(current)
                summary.channel = summary.channel or channel
                at = current.at
            elif type_name == "bot":
                payload = parse_event(data)
                if payload is None:
                    raise Unreadable("not a JSON object")
                summary.bot_messages += 1
                _reply(current, payload)
            elif type_name == "action" and current is not None:
                if action_name in FALLBACK_ACTIONS:
                    current.fallback = True
                if action_name in HANDOFF_ACTIONS:
                    current.handoff = True
                continue
            else:
                continue
            if at is not None:
                summary.first_at = at if summary.first_at is None else min(summary.first_at, at)
                summary.last_at = at if summary.last_at is None else max(summary.last_at, at)
        except Exception:  # one unreadable event must not stop the index
            summary.unreadable.append(event_id)
            if type_name == "user":
                current = None  # the replies that follow answer a message nobody can read
    for message in summary.messages:
        _settle(message)
    return summary


def _reply(current: Optional[Message], payload: Dict[str, Any]) -> None:
    """What a bot message says about the citizen message it answers."""
    if current is None:
        return
    outcome = outcome_of(payload)
    metadata = mapping(payload.get("metadata"))
    response = metadata.get("utter_action")
    if response in FALLBACK_RESPONSES or outcome == "fallback":
        current.fallback = True
    if outcome == "handoff":
        current.handoff = True
    if outcome is not None:
        current.outcomes.append(outcome)
    elif response in OUT_OF_SCOPE_RESPONSES or UNANSWERED_REPLY.search(clean_text(payload.get("text"))):
        # A message older than the outcome field: today's wording rules.
        current.legacy_unanswered = True


def _settle(message: Message) -> None:
    """Whether the citizen got an answer: from the replies' outcomes where they carry one,
    else (older conversations) from the intent and the replies' wording."""
    if message.outcomes:
        message.unanswered = any(o in UNANSWERED_OUTCOMES for o in message.outcomes) or message.legacy_unanswered
    else:
        message.unanswered = message.intent == OUT_OF_SCOPE_INTENT or message.legacy_unanswered


def _lost_connection(error: Exception) -> bool:
    """Whether a database error is about the connection (the database is down or busy), not the data."""
    return isinstance(error, (OperationalError, InterfaceError))


class Indexer:
    """Keeps the console's index (in `engine`) of the tracker store (in `tracker`) up to date."""

    def __init__(
        self,
        engine: Engine,
        timezone: str = settings.TIMEZONE,
        min_interval: float = 0.0,
        tracker: Optional[Engine] = None,
    ) -> None:
        self.engine = engine
        self.tracker = tracker if tracker is not None else engine
        self.zone = ZoneInfo(timezone)
        self.min_interval = min_interval
        self._last_run = 0.0
        self._has_events = False  # once Rasa has created its table, it stays
        self._reported: Set[Any] = set()  # unreadable events and conversations already logged

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
                if not inspect(self.tracker).has_table("events"):
                    return 0
                self._has_events = True
            with self._turn() as mine:
                changed = self._refresh(time.time() if now is None else now) if mine else 0
            self._last_run = time.monotonic()
            return changed

    @contextmanager
    def _turn(self) -> Iterator[bool]:
        """Whether this process may index now: on PostgreSQL, one console process at a time."""
        if self.engine.dialect.name != "postgresql":
            yield True
            return
        with self.engine.connect() as conn:
            mine = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK}))
            conn.commit()
            try:
                yield mine
            finally:
                if mine:
                    conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK})
                    conn.commit()

    def _refresh(self, now: float) -> int:
        with self.engine.begin() as conn:
            checkpoint = conn.scalar(select(index_state.c.checkpoint).where(index_state.c.id == 1))
            if checkpoint is None:
                conn.execute(insert(index_state).values(id=1, checkpoint=0))
                checkpoint = 0
            last = conn.execute(
                select(index_runs.c.max_event_id, index_runs.c.seen).order_by(index_runs.c.id.desc()).limit(1)
            ).first()
        senders: List[str] = []
        with self.tracker.connect() as source:
            seen, max_id = source.execute(
                select(func.count(), func.max(events.c.id)).where(events.c.id > checkpoint)
            ).one()
            if seen and not (last is not None and last.seen == seen and last.max_event_id == max_id):
                since = checkpoint
                if last is not None:
                    # Events the last run could not see yet (lower IDs committed late) change this count.
                    known = source.scalar(
                        select(func.count())
                        .select_from(events)
                        .where(events.c.id > checkpoint, events.c.id <= last.max_event_id)
                    )
                    if known == last.seen:
                        since = last.max_event_id
                senders = list(source.scalars(select(events.c.sender_id).where(events.c.id > since).distinct()))
        changed = 0
        for start in range(0, len(senders), CHUNK):
            changed += self.reindex(senders[start : start + CHUNK])
        self._record_run(now, checkpoint, seen, max_id)
        return changed

    def _record_run(self, now: float, checkpoint: int, seen: int, max_id: Optional[int]) -> None:
        """Remember this run; move the checkpoint to what a run that finished long enough ago had seen."""
        with self.engine.connect() as conn:
            settled = conn.scalar(
                select(func.max(index_runs.c.max_event_id)).where(index_runs.c.finished_at <= now - SETTLE_SECONDS)
            )
        moved = settled is not None and settled > checkpoint
        if moved:
            checkpoint = settled
            with self.tracker.connect() as source:
                seen = source.scalar(
                    select(func.count())
                    .select_from(events)
                    .where(events.c.id > checkpoint, events.c.id <= max(max_id or 0, checkpoint))
                )
        with self.engine.begin() as conn:
            if moved:
                conn.execute(update(index_state).where(index_state.c.id == 1).values(checkpoint=checkpoint))
                conn.execute(delete(index_runs).where(index_runs.c.finished_at <= now - SETTLE_SECONDS))
            if max_id is not None and max_id > checkpoint:
                conn.execute(insert(index_runs).values(finished_at=now, max_event_id=max_id, seen=seen))

    def rebuild(self) -> int:
        """Forget the index and build it again from every event (staff work is kept)."""
        with _lock, self.engine.begin() as conn:
            conn.execute(delete(messages))
            conn.execute(delete(conversations))
            conn.execute(delete(index_runs))
            conn.execute(delete(index_state))
        self._reported.clear()
        return self.refresh(force=True)

    def reindex(self, senders: List[str]) -> int:
        """Recompute these conversations from their events; returns how many are listed."""
        usable = [sender for sender in senders if is_clean(sender) and len(sender) <= MAX_SENDER]
        for sender in set(senders) - set(usable):
            self._report(("sender", sender), "Conversation %r left out of the index: its id cannot be stored", sender)
        if not usable:
            return 0
        with self.tracker.connect() as source:
            rows = source.execute(
                select(
                    events.c.sender_id,
                    events.c.id,
                    events.c.type_name,
                    events.c.timestamp,
                    events.c.action_name,
                    events.c.data,
                )
                .where(events.c.sender_id.in_(usable), events.c.type_name.in_(("user", "bot", "action")))
                .order_by(events.c.sender_id, events.c.id)
            ).all()
        grouped: Dict[str, List[Tuple]] = {}
        for row in rows:
            grouped.setdefault(row[0], []).append(tuple(row[1:]))
        summaries = [summarize(sender, grouped.get(sender, [])) for sender in usable]
        for summary in summaries:
            new = [event_id for event_id in summary.unreadable if event_id not in self._reported]
            if new:
                self._reported.update(new)
                logger.warning(
                    "Conversation %r: %d unreadable event(s) left out of the index (ids %s)",
                    summary.sender_id,
                    len(new),
                    ", ".join(map(str, new[:20])),
                )
        try:
            with self.engine.begin() as conn:
                return self._write(conn, summaries)
        except (StatementError, ValueError) as error:
            if _lost_connection(error):
                raise
            if len(summaries) == 1:
                self._report(("write", usable[0]), "Conversation %r left out of the index: %s", usable[0], error)
                return 0
        # One of them cannot be written: write them one by one, leaving that one out.
        written = 0
        for summary in summaries:
            try:
                with self.engine.begin() as conn:
                    written += self._write(conn, [summary])
            except (StatementError, ValueError) as error:
                if _lost_connection(error):
                    raise
                self._report(
                    ("write", summary.sender_id), "Conversation %r left out of the index: %s", summary.sender_id, error
                )
        return written

    def _report(self, key: Any, message: str, *args: Any) -> None:
        if key not in self._reported:
            self._reported.add(key)
            logger.warning(message, *args)

    def _write(self, conn: Connection, summaries: List[Summary]) -> int:
        senders = [s.sender_id for s in summaries]
        existing = dict(
            conn.execute(
                select(conversations.c.sender_id, conversations.c.id).where(conversations.c.sender_id.in_(senders))
            ).all()
        )
        if existing:
            conn.execute(delete(messages).where(messages.c.conversation_id.in_(list(existing.values()))))
        empty = [s.sender_id for s in summaries if not s.listed and s.sender_id in existing]
        if empty:
            conn.execute(delete(conversations).where(conversations.c.sender_id.in_(empty)))
        kept = [s for s in summaries if s.listed]
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
                "outcome": m.outcome,
            }
            for s in kept
            for m in s.messages
        ]
        if message_rows:
            conn.execute(insert(messages), message_rows)
        return len(kept)

    def _conversation_row(self, s: Summary) -> dict:
        confidences = [m.confidence for m in s.messages if m.confidence is not None]
        first_at = s.first_at if s.first_at is not None else s.any_at
        last_at = s.last_at if s.last_at is not None else s.any_at
        return {
            "sender_id": s.sender_id,
            "channel": s.channel or "desconocido",
            "first_at": first_at,
            "last_at": last_at,
            "first_day": self.day(first_at),
            "user_messages": len(s.messages),
            "bot_messages": s.bot_messages,
            "min_confidence": min(confidences) if confidences else None,
            "fallback": any(m.fallback for m in s.messages),
            "handoff": any(m.handoff for m in s.messages),
            "unanswered": any(m.unanswered for m in s.messages),
            "first_text": s.messages[0].text[:300] if s.messages else "",
            "search_text": "\n".join(normalize(m.text) for m in s.messages),
            "last_event_id": s.last_event_id,
            "unreadable": len(s.unreadable),
        }

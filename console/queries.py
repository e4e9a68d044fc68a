"""What the console shows, as SQLAlchemy 2.0-style queries over its index (console.indexer).

The same queries run on SQLite and PostgreSQL. Dates are the ministry's local dates
(America/Lima by default); the index stores UTC epoch seconds and each message's local day.
Transcripts read the tracker store's events (`source`, a connection to CONSOLE_TRACKER_URL,
which may be another database than the index's); whatever an event holds, a transcript
shows clean text, and an event it cannot read as "ilegible".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import case, exists, func, not_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from console.models import conversations, corrections, events, messages, notes, reviews, tags
from console.text import (
    CHANNEL_LABELS,
    OUTCOME_LABELS,
    channel_label,
    clean_name,
    clean_text,
    like_pattern,
    mapping,
    number,
    outcome_label,
    outcome_of,
    parse_event,
    timestamp,
)

MAX_QUERY_CHARS = 200
MAX_TAG_CHARS = 64


class FilterError(ValueError):
    """A filter value staff typed that cannot be used; the message is Spanish."""


@dataclass
class Filters:
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    channel: str = ""
    intent: str = ""
    max_confidence: Optional[float] = None
    fallback: bool = False
    handoff: bool = False
    unanswered: bool = False
    outcome: str = ""  # one of OUTCOME_LABELS
    reviewed: str = ""  # "", "si", "no"
    tag: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Tuple["Filters", List[str]]:
        """Filters from a query string; unusable values are dropped and explained in `errors`."""
        filters, errors = cls(), []

        def day(name: str, label: str) -> Optional[date]:
            value = (args.get(name) or "").strip()
            if not value:
                return None
            try:
                return date.fromisoformat(value)
            except ValueError:
                errors.append(f"La fecha «{label}» no es válida (use AAAA-MM-DD).")
                return None

        filters.date_from = day("desde", "desde")
        filters.date_to = day("hasta", "hasta")
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            errors.append("La fecha «desde» es posterior a «hasta»; se intercambiaron.")
            filters.date_from, filters.date_to = filters.date_to, filters.date_from
        channel = (args.get("canal") or "").strip()
        if channel and channel not in CHANNEL_LABELS:
            errors.append("El canal elegido no existe.")
        else:
            filters.channel = channel
        filters.intent = clean_text(args.get("intencion"), 255).strip()
        outcome = (args.get("resultado") or "").strip()
        if outcome and outcome not in OUTCOME_LABELS:
            errors.append("El resultado elegido no existe.")
        else:
            filters.outcome = outcome
        confidence = (args.get("confianza") or "").strip().replace(",", ".")
        if confidence:
            try:
                value = float(confidence)
                if not 0 <= value <= 1:
                    raise ValueError
                filters.max_confidence = value
            except ValueError:
                errors.append("La confianza debe ser un número entre 0 y 1 (por ejemplo 0,5).")
        filters.fallback = args.get("fallback") == "1"
        filters.handoff = args.get("humano") == "1"
        filters.unanswered = args.get("sin_respuesta") == "1"
        reviewed = args.get("revisada") or ""
        filters.reviewed = reviewed if reviewed in ("si", "no") else ""
        filters.tag = clean_text(args.get("etiqueta"), MAX_TAG_CHARS).strip()
        q = clean_text(args.get("q")).strip()
        if len(q) > MAX_QUERY_CHARS:
            errors.append(f"La búsqueda se acortó a {MAX_QUERY_CHARS} caracteres.")
            q = q[:MAX_QUERY_CHARS]
        filters.q = q
        try:
            filters.page = max(1, min(int(args.get("pagina") or 1), 100000))
        except ValueError:
            filters.page = 1
        return filters, errors

    def to_args(self, **changes: Any) -> Dict[str, str]:
        """The query string for these filters (for links: next page, exports)."""
        values = {
            "desde": self.date_from.isoformat() if self.date_from else "",
            "hasta": self.date_to.isoformat() if self.date_to else "",
            "canal": self.channel,
            "intencion": self.intent,
            "confianza": "" if self.max_confidence is None else f"{self.max_confidence:g}",
            "fallback": "1" if self.fallback else "",
            "humano": "1" if self.handoff else "",
            "sin_respuesta": "1" if self.unanswered else "",
            "resultado": self.outcome,
            "revisada": self.reviewed,
            "etiqueta": self.tag,
            "q": self.q,
            "pagina": str(self.page) if self.page > 1 else "",
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


def day_bounds(first: Optional[date], last: Optional[date], zone: ZoneInfo) -> Tuple[Optional[float], Optional[float]]:
    """Epoch seconds of the start of `first` and of the day after `last`, in `zone`."""
    start = datetime.combine(first, dtime.min, zone).timestamp() if first else None
    end = datetime.combine(last + timedelta(days=1), dtime.min, zone).timestamp() if last else None
    return start, end


def _where(filters: Filters, zone: ZoneInfo) -> List[Any]:
    clauses: List[Any] = []
    start, end = day_bounds(filters.date_from, filters.date_to, zone)
    if start is not None:
        clauses.append(conversations.c.last_at >= start)
    if end is not None:
        clauses.append(conversations.c.first_at < end)
    if filters.channel:
        clauses.append(conversations.c.channel == filters.channel)
    if filters.intent:
        clauses.append(
            conversations.c.id.in_(select(messages.c.conversation_id).where(messages.c.intent == filters.intent))
        )
    if filters.max_confidence is not None:
        clauses.append(conversations.c.min_confidence < filters.max_confidence)
    if filters.fallback:
        clauses.append(conversations.c.fallback.is_(True))
    if filters.handoff:
        clauses.append(conversations.c.handoff.is_(True))
    if filters.unanswered:
        clauses.append((conversations.c.unanswered.is_(True)) | (conversations.c.fallback.is_(True)))
    if filters.outcome:
        clauses.append(
            conversations.c.id.in_(select(messages.c.conversation_id).where(messages.c.outcome == filters.outcome))
        )
    reviewed = exists().where(reviews.c.sender_id == conversations.c.sender_id)
    if filters.reviewed == "si":
        clauses.append(reviewed)
    elif filters.reviewed == "no":
        clauses.append(not_(reviewed))
    if filters.tag:
        clauses.append(exists().where(tags.c.sender_id == conversations.c.sender_id, tags.c.tag == filters.tag))
    if filters.q:
        clauses.append(conversations.c.search_text.like(like_pattern(filters.q), escape="\\"))
    return clauses


def conversation_select(filters: Filters, zone: ZoneInfo) -> Select:
    return (
        select(conversations)
        .where(*_where(filters, zone))
        .order_by(conversations.c.last_at.desc(), conversations.c.id.desc())
    )


@dataclass
class Page:
    rows: List[Dict[str, Any]]
    total: int
    page: int
    pages: int


def reviews_and_tags(conn: Connection, senders: List[str]) -> Tuple[Set[str], Dict[str, List[str]]]:
    """Which of `senders` are reviewed, and each one's tags in alphabetical order."""
    done = set(conn.scalars(select(reviews.c.sender_id).where(reviews.c.sender_id.in_(senders))))
    labels: Dict[str, List[str]] = {}
    for sender, tag in conn.execute(
        select(tags.c.sender_id, tags.c.tag).where(tags.c.sender_id.in_(senders)).order_by(tags.c.tag)
    ):
        labels.setdefault(sender, []).append(tag)
    return done, labels


def list_conversations(conn: Connection, filters: Filters, zone: ZoneInfo, page_size: int = 50) -> Page:
    total = conn.scalar(select(func.count()).select_from(conversations).where(*_where(filters, zone))) or 0
    pages = max(1, -(-total // page_size))
    page = min(filters.page, pages)
    rows = [
        dict(r._mapping)
        for r in conn.execute(conversation_select(filters, zone).limit(page_size).offset((page - 1) * page_size))
    ]
    senders = [r["sender_id"] for r in rows]
    if senders:
        done, labels = reviews_and_tags(conn, senders)
        for row in rows:
            row["reviewed"] = row["sender_id"] in done
            row["tags"] = labels.get(row["sender_id"], [])
            row["channel_label"] = channel_label(row["channel"])
    return Page(rows, total, page, pages)


def known_intents(conn: Connection) -> List[str]:
    return list(
        conn.scalars(
            select(messages.c.intent).where(messages.c.intent.is_not(None)).distinct().order_by(messages.c.intent)
        )
    )


def known_tags(conn: Connection) -> List[str]:
    return list(conn.scalars(select(tags.c.tag).distinct().order_by(tags.c.tag)))


# --- one conversation ------------------------------------------------------------------


def conversation(conn: Connection, conversation_id: int) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(conversations).where(conversations.c.id == conversation_id)).first()
    return dict(row._mapping) if row else None


def transcript(
    conn: Connection, sender_id: str, zone: ZoneInfo, source: Optional[Connection] = None
) -> List[Dict[str, Any]]:
    """Every user message, bot reply and action of one conversation, in order, for staff to read.

    `conn` reads the index and staff work, `source` the tracker store's events (default `conn`).
    """
    return transcripts(conn, [sender_id], zone, source)[sender_id]


def transcripts(
    conn: Connection, senders: List[str], zone: ZoneInfo, source: Optional[Connection] = None
) -> Dict[str, List[Dict[str, Any]]]:
    """The transcripts of several conversations, read with three queries in all."""
    source = source if source is not None else conn
    fixed = dict(
        conn.execute(
            select(corrections.c.event_id, corrections.c.corrected_intent).where(corrections.c.sender_id.in_(senders))
        ).all()
    )
    flagged = {
        r.event_id: r
        for r in conn.execute(
            select(
                messages.c.event_id,
                messages.c.fallback,
                messages.c.handoff,
                messages.c.unanswered,
                messages.c.confidence,
                messages.c.outcome,
            )
            .join(conversations, conversations.c.id == messages.c.conversation_id)
            .where(conversations.c.sender_id.in_(senders))
        )
    }
    result: Dict[str, List[Dict[str, Any]]] = {sender: [] for sender in senders}
    for row in source.execute(select(events).where(events.c.sender_id.in_(senders)).order_by(events.c.id)):
        try:
            item = _transcript_item(row, fixed, flagged, zone)
        except Exception:  # whatever another client stored, the transcript shows the rest
            item = {"event_id": row.id, "kind": "unreadable", "at": _when(row.timestamp, zone)}
            item["type"] = clean_name(row.type_name, 64) or ""
        if item is not None:
            result.setdefault(row.sender_id, []).append(item)
    return result


def _when(value: Any, zone: ZoneInfo) -> Optional[datetime]:
    """An event's time in `zone`, or None if its timestamp is no date."""
    seconds = timestamp(value)
    return datetime.fromtimestamp(seconds, zone) if seconds is not None else None


def _payload(data: Any) -> Dict[str, Any]:
    payload = parse_event(data)
    if payload is None:
        raise ValueError("unreadable event")
    return payload


def _text(value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise ValueError("text is not a string")
    return clean_text(value)


def _transcript_item(
    row: Any, fixed: Mapping[int, str], flagged: Mapping[int, Any], zone: ZoneInfo
) -> Optional[Dict[str, Any]]:
    """One event as staff read it, every text cleaned; None for what the transcript leaves out.
    Raises ValueError (or anything else) for an event it cannot read."""
    item: Dict[str, Any] = {"event_id": row.id, "kind": row.type_name, "at": _when(row.timestamp, zone)}
    if row.type_name == "user":
        data = _payload(row.data)
        parse = mapping(data.get("parse_data"))
        intent = mapping(parse.get("intent"))
        ranking = parse.get("intent_ranking") if isinstance(parse.get("intent_ranking"), list) else []
        flags = flagged.get(row.id)
        item.update(
            text=_text(data.get("text")),
            intent=clean_name(intent.get("name")),
            confidence=flags.confidence if flags else number(intent.get("confidence")),
            ranking=[(clean_name(mapping(r).get("name")), number(mapping(r).get("confidence"))) for r in ranking[:3]],
            channel=channel_label(clean_name(data.get("input_channel"), 64) or ""),
            corrected=fixed.get(row.id),
            fallback=bool(flags and flags.fallback),
            handoff=bool(flags and flags.handoff),
            unanswered=bool(flags and flags.unanswered),
            outcome=flags.outcome if flags else None,
            outcome_label=outcome_label(flags.outcome) if flags else "",
        )
    elif row.type_name == "bot":
        data = _payload(row.data)
        buttons = mapping(data.get("data")).get("buttons")
        outcome = outcome_of(data)
        item.update(
            text=_text(data.get("text")),
            response=clean_name(mapping(data.get("metadata")).get("utter_action")),
            buttons=[clean_text(mapping(b).get("title"), 200) for b in (buttons if isinstance(buttons, list) else [])],
            outcome=outcome,
            outcome_label=outcome_label(outcome),
        )
    elif row.type_name == "action":
        if row.action_name == "action_listen":
            return None
        item.update(name=clean_name(row.action_name))
    elif row.type_name == "session_started":
        item.update(name="inicio de sesión")
    elif row.type_name == "slot":
        data = _payload(row.data)
        if data.get("value") is None:
            return None
        item.update(name=clean_name(data.get("name")), value=clean_text(str(data.get("value")), 300))
    else:
        return None
    return item


def staff_work(conn: Connection, sender_id: str) -> Dict[str, Any]:
    review = conn.execute(select(reviews).where(reviews.c.sender_id == sender_id)).first()
    return {
        "review": dict(review._mapping) if review else None,
        "tags": list(conn.scalars(select(tags.c.tag).where(tags.c.sender_id == sender_id).order_by(tags.c.tag))),
        "notes": [
            dict(r._mapping)
            for r in conn.execute(
                select(notes).where(notes.c.sender_id == sender_id).order_by(notes.c.created_at, notes.c.id)
            )
        ],
    }


# --- the dashboard -----------------------------------------------------------------------


@dataclass
class Dashboard:
    days: List[date] = field(default_factory=list)
    conversations: List[int] = field(default_factory=list)
    messages: List[int] = field(default_factory=list)
    fallback_rate: List[float] = field(default_factory=list)
    handoff_rate: List[float] = field(default_factory=list)
    top_intents: List[Tuple[str, int]] = field(default_factory=list)
    unanswered: List[Tuple[str, int]] = field(default_factory=list)
    # Citizen messages per outcome of the replies (OUTCOME_LABELS' order), and per day the
    # messages the facts store could not answer because it was down.
    outcomes: List[Tuple[str, str, int]] = field(default_factory=list)  # (outcome, label, messages)
    store_unavailable: List[int] = field(default_factory=list)
    totals: Dict[str, Any] = field(default_factory=dict)


def _true(column) -> Any:
    return func.sum(case((column.is_(True), 1), else_=0))


def dashboard(conn: Connection, first: date, last: date, top: int = 10) -> Dashboard:
    """Daily volumes and rates between two local dates (inclusive), top intents, unanswered questions."""
    board = Dashboard()
    day = first
    while day <= last:
        board.days.append(day)
        day += timedelta(days=1)
    per_conversation = {
        r.first_day: r
        for r in conn.execute(
            select(
                conversations.c.first_day,
                func.count().label("n"),
                _true(conversations.c.fallback).label("fallback"),
                _true(conversations.c.handoff).label("handoff"),
                func.sum(
                    case(((conversations.c.unanswered.is_(True)) | (conversations.c.fallback.is_(True)), 1), else_=0)
                ).label("unanswered"),
            )
            .where(conversations.c.first_day.between(first, last))
            .group_by(conversations.c.first_day)
        )
    }
    per_message = dict(
        conn.execute(
            select(messages.c.day, func.count()).where(messages.c.day.between(first, last)).group_by(messages.c.day)
        ).all()
    )
    outage = dict(
        conn.execute(
            select(messages.c.day, func.count())
            .where(messages.c.day.between(first, last), messages.c.outcome == "store_unavailable")
            .group_by(messages.c.day)
        ).all()
    )
    per_outcome = dict(
        conn.execute(
            select(messages.c.outcome, func.count())
            .where(messages.c.day.between(first, last), messages.c.outcome.is_not(None))
            .group_by(messages.c.outcome)
        ).all()
    )
    board.outcomes = [(name, label, per_outcome[name]) for name, label in OUTCOME_LABELS.items() if name in per_outcome]
    for d in board.days:
        board.store_unavailable.append(outage.get(d, 0))
        row = per_conversation.get(d)
        n = row.n if row else 0
        board.conversations.append(n)
        board.messages.append(per_message.get(d, 0))
        board.fallback_rate.append(100.0 * (row.fallback or 0) / n if n else 0.0)
        board.handoff_rate.append(100.0 * (row.handoff or 0) / n if n else 0.0)
    count = func.count().label("n")
    board.top_intents = [
        (r[0], r[1])
        for r in conn.execute(
            select(messages.c.intent, count)
            .where(messages.c.day.between(first, last), messages.c.intent.is_not(None))
            .group_by(messages.c.intent)
            .order_by(count.desc(), messages.c.intent)
            .limit(top)
        )
    ]
    question = func.lower(messages.c.text)
    board.unanswered = [
        (r[0], r[1])
        for r in conn.execute(
            select(question, count)
            .where(
                messages.c.day.between(first, last),
                (messages.c.fallback.is_(True)) | (messages.c.unanswered.is_(True)),
                not_(messages.c.text.like("/%")),
            )
            .group_by(question)
            .order_by(count.desc(), question)
            .limit(top * 2)
        )
    ]
    total = sum(board.conversations)

    def rate(column: str) -> float:
        count = sum((getattr(row, column) or 0) for row in per_conversation.values())
        return round(100.0 * count / total, 1) if total else 0.0

    board.totals = {
        "conversations": total,
        "messages": sum(board.messages),
        "fallback": rate("fallback"),
        "handoff": rate("handoff"),
        "unanswered": rate("unanswered"),
        "store_unavailable": sum(board.store_unavailable),
    }
    return board

"""What staff change: reviews, tags, notes and corrected intents."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Iterable, Optional

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from console.models import corrections, events, notes, reviews, tags
from console.text import clean_text, event_data

MAX_NOTE_CHARS = 4000
TAG = re.compile(r"^[\w áéíóúñü.-]{1,64}$", re.IGNORECASE)


class WorkError(ValueError):
    """Why staff's change cannot be saved (Spanish)."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def set_reviewed(conn: Connection, sender_id: str, username: str, reviewed: bool) -> None:
    conn.execute(delete(reviews).where(reviews.c.sender_id == sender_id))
    if reviewed:
        conn.execute(insert(reviews).values(sender_id=sender_id, reviewed_by=username, reviewed_at=_now()))


def clean_tag(tag: str) -> str:
    tag = " ".join((tag or "").split()).lower()
    if not TAG.match(tag):
        raise WorkError("La etiqueta debe tener de 1 a 64 caracteres: letras, números, espacios, punto o guion.")
    return tag


def add_tag(conn: Connection, sender_id: str, tag: str, username: str) -> str:
    tag = clean_tag(tag)
    exists = conn.scalar(select(tags.c.id).where(tags.c.sender_id == sender_id, tags.c.tag == tag))
    if exists is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(tags).values(sender_id=sender_id, tag=tag, created_by=username, created_at=_now()))
        except IntegrityError:
            pass  # added meanwhile by someone else
    return tag


def remove_tag(conn: Connection, sender_id: str, tag: str) -> None:
    tag = clean_text(tag, 64)
    conn.execute(delete(tags).where(tags.c.sender_id == sender_id, tags.c.tag == tag))


def add_note(conn: Connection, sender_id: str, body: str, username: str) -> None:
    body = clean_text(body).strip()
    if not body:
        raise WorkError("La nota está vacía.")
    if len(body) > MAX_NOTE_CHARS:
        raise WorkError(f"La nota es demasiado larga (máximo {MAX_NOTE_CHARS} caracteres).")
    conn.execute(insert(notes).values(sender_id=sender_id, author=username, body=body, created_at=_now()))


def correct_intent(
    conn: Connection,
    sender_id: str,
    event_id: int,
    intent: str,
    username: str,
    allowed: Iterable[str],
    source: Optional[Connection] = None,
) -> Optional[str]:
    """Record the right intent for one user message; returns the message's text.

    An empty `intent` removes the correction. `source` reads the tracker store's events
    (default `conn`).
    """
    row = (
        (source if source is not None else conn)
        .execute(
            select(events.c.type_name, events.c.data, events.c.intent_name).where(
                events.c.id == event_id, events.c.sender_id == sender_id
            )
        )
        .first()
    )
    if row is None or row.type_name != "user":
        raise WorkError("Ese mensaje no pertenece a esta conversación.")
    if not intent:
        conn.execute(delete(corrections).where(corrections.c.event_id == event_id))
        return None
    if intent not in set(allowed):
        raise WorkError("Esa intención no existe en el dominio del asistente.")
    text = event_data(row.data).get("text")
    text = clean_text(text if isinstance(text, str) else "")
    values = dict(
        sender_id=sender_id,
        text=text,
        predicted_intent=clean_text(row.intent_name, 255) or None,
        corrected_intent=intent,
        corrected_by=username,
        corrected_at=_now(),
    )
    updated = conn.execute(update(corrections).where(corrections.c.event_id == event_id).values(**values))
    if updated.rowcount == 0:
        conn.execute(insert(corrections).values(event_id=event_id, **values))
    return text

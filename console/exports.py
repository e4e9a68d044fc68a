"""Exports: corrections as Rasa NLU training data, conversations as CSV and JSONL."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from console.models import conversations, corrections, messages
from console.queries import Filters, conversation_select, reviews_and_tags, transcripts
from console.text import channel_label

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def training_text(text: str) -> str:
    """One line a Rasa NLU example can hold: no control characters, no entity syntax."""
    text = _CONTROL.sub(" ", text or "")
    text = text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")
    return " ".join(text.split())


@dataclass(frozen=True)
class NluFile:
    """The corrections as a Rasa NLU training-data file, and how many examples it holds."""

    text: str
    examples: int


def corrections_nlu(conn: Connection, exported_by: str, now: datetime) -> NluFile:
    """The corrections as a Rasa 3 NLU file (`version: "3.1"`, `nlu:` with one block per intent)."""
    by_intent: Dict[str, List[str]] = {}
    for row in conn.execute(
        select(corrections.c.corrected_intent, corrections.c.text).order_by(
            corrections.c.corrected_intent, corrections.c.id
        )
    ):
        example = training_text(row.text)
        if not example or example.startswith("/"):
            continue  # button payloads are not training examples
        examples = by_intent.setdefault(row.corrected_intent, [])
        if example not in examples:
            examples.append(example)
    lines = [
        "# Correcciones de intenciones hechas por el personal en la consola de revisión.",
        f"# Exportado el {now:%Y-%m-%d %H:%M} por {exported_by}. Revise los ejemplos y copie este archivo en",
        "# data/nlu/ (por ejemplo data/nlu/correcciones.yml); el próximo `make train` aprenderá de ellos.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in by_intent[intent])
    if not by_intent:
        lines[-1] = "nlu: []"
    return NluFile("\n".join(lines) + "\n", sum(len(examples) for examples in by_intent.values()))


def _safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text typed by citizens (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


CSV_COLUMNS = [
    "conversacion",
    "remitente",
    "canal",
    "fecha_hora",
    "mensaje",
    "intencion",
    "confianza",
    "no_entendido",
    "pidio_humano",
    "sin_respuesta",
    "intencion_corregida",
    "revisada",
    "etiquetas",
]


def conversations_csv(engine: Engine, filters: Filters, zone: ZoneInfo, batch: int = 500) -> Iterator[str]:
    """One row per citizen message of the filtered conversations, streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()  # BOM: spreadsheets read the accents as UTF-8
    for chunk in _chunks(engine, filters, zone, batch):
        buffer.seek(0)
        buffer.truncate()
        ids = [conversation["id"] for conversation in chunk]
        senders = [conversation["sender_id"] for conversation in chunk]
        with engine.connect() as conn:
            fixed = dict(
                conn.execute(
                    select(corrections.c.event_id, corrections.c.corrected_intent).where(
                        corrections.c.sender_id.in_(senders)
                    )
                ).all()
            )
            done, labels = reviews_and_tags(conn, senders)
            by_conversation: Dict[int, List[Any]] = {}
            for message in conn.execute(
                select(messages).where(messages.c.conversation_id.in_(ids)).order_by(messages.c.event_id)
            ):
                by_conversation.setdefault(message.conversation_id, []).append(message)
        for conversation in chunk:
            sender = conversation["sender_id"]
            for message in by_conversation.get(conversation["id"], []):
                row = [
                    conversation["id"],
                    sender,
                    channel_label(conversation["channel"]),
                    datetime.fromtimestamp(message.at, zone).isoformat(timespec="seconds"),
                    message.text,
                    message.intent or "",
                    "" if message.confidence is None else f"{message.confidence:.3f}",
                    _yes(message.fallback),
                    _yes(message.handoff),
                    _yes(message.unanswered),
                    fixed.get(message.event_id, ""),
                    _yes(sender in done),
                    ", ".join(labels.get(sender, [])),
                ]
                writer.writerow([_safe_cell(value) for value in row])
        yield buffer.getvalue()


def conversations_jsonl(engine: Engine, filters: Filters, zone: ZoneInfo, batch: int = 200) -> Iterator[str]:
    """One JSON object per filtered conversation, with its whole transcript, streamed."""
    for chunk in _chunks(engine, filters, zone, batch):
        lines = []
        with engine.connect() as conn:
            senders = [conversation["sender_id"] for conversation in chunk]
            done, labels = reviews_and_tags(conn, senders)
            read = transcripts(conn, senders, zone)
            for conversation in chunk:
                sender = conversation["sender_id"]
                turns = []
                for item in read[sender]:
                    if item["kind"] not in ("user", "bot"):
                        continue
                    turn = {
                        "tipo": "usuario" if item["kind"] == "user" else "asistente",
                        "fecha_hora": item["at"].isoformat(timespec="seconds") if item["at"] else None,
                        "texto": item["text"],
                    }
                    if item["kind"] == "user":
                        turn.update(
                            intencion=item["intent"],
                            confianza=item["confidence"],
                            intencion_corregida=item["corrected"],
                            no_entendido=item["fallback"],
                            pidio_humano=item["handoff"],
                            sin_respuesta=item["unanswered"],
                        )
                    turns.append(turn)
                lines.append(
                    json.dumps(
                        {
                            "conversacion": conversation["id"],
                            "remitente": sender,
                            "canal": channel_label(conversation["channel"]),
                            "inicio": datetime.fromtimestamp(conversation["first_at"], zone).isoformat(
                                timespec="seconds"
                            ),
                            "fin": datetime.fromtimestamp(conversation["last_at"], zone).isoformat(timespec="seconds"),
                            "revisada": sender in done,
                            "etiquetas": labels.get(sender, []),
                            "mensajes": turns,
                        },
                        ensure_ascii=False,
                    )
                )
        yield "\n".join(lines) + "\n"


def _yes(flag: Any) -> str:
    return "sí" if flag else "no"


def _chunks(engine: Engine, filters: Filters, zone: ZoneInfo, batch: int) -> Iterator[List[Dict[str, Any]]]:
    """The filtered conversations in pages, newest first (keyset pagination: no OFFSET scans)."""
    after: Optional[tuple] = None
    base = conversation_select(filters, zone)
    while True:
        query = base
        if after is not None:
            last_at, last_id = after
            query = query.where(
                (conversations.c.last_at < last_at)
                | ((conversations.c.last_at == last_at) & (conversations.c.id < last_id))
            )
        with engine.connect() as conn:
            chunk = [dict(r._mapping) for r in conn.execute(query.limit(batch))]
        if not chunk:
            return
        yield chunk
        after = (chunk[-1]["last_at"], chunk[-1]["id"])

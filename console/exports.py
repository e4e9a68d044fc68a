"""Exports: corrections as Rasa NLU training data, conversations as CSV and JSONL.

Every text comes cleaned from the index or the transcript (console.text.clean_text), and
every CSV cell a spreadsheet could take for a formula is neutralised (`safe_cell`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from console.models import conversations, corrections, messages
from console.queries import Filters, conversation_select, reviews_and_tags, transcripts
from console.text import channel_label, clean_text, outcome_label

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def training_text(text: str) -> str:
    """One line a Rasa NLU example can hold: no control characters, no entity syntax."""
    text = _CONTROL.sub(" ", clean_text(text))
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


# What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection"): = + - @,
# and a tab or carriage return before them.
FORMULA_START = frozenset("=+-@\t\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text typed by citizens (CSV injection, OWASP).

    A cell is prefixed with an apostrophe, which spreadsheets show as text, when it starts
    with = + - @, a tab or a carriage return, also after spaces, non-breaking spaces, line
    breaks or invisible format characters, and also as their full-width forms (＝ ＋ －
    ＠, which spreadsheets read as the ASCII ones). Every cell is quoted by the writer.
    """
    if not isinstance(value, str) or not value:
        return value
    for ch in value:
        if ch in FORMULA_START or unicodedata.normalize("NFKC", ch) in FORMULA_START:
            return "'" + value
        if not (ch.isspace() or unicodedata.category(ch) in ("Zs", "Cf", "Cc")):
            return value
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
    "resultado",
    "intencion_corregida",
    "revisada",
    "etiquetas",
]


def conversations_csv(
    engine: Engine, filters: Filters, zone: ZoneInfo, batch: int = 500, tracker: Optional[Engine] = None
) -> Iterator[str]:
    """One row per citizen message of the filtered conversations, streamed (from the index
    alone: `tracker` is not read)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
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
                    outcome_label(message.outcome),
                    fixed.get(message.event_id, ""),
                    _yes(sender in done),
                    ", ".join(labels.get(sender, [])),
                ]
                writer.writerow([safe_cell(clean_text(v) if isinstance(v, str) else v) for v in row])
        yield buffer.getvalue()


TURN_KINDS = {"user": "usuario", "bot": "asistente", "unreadable": "ilegible"}


def conversations_jsonl(
    engine: Engine, filters: Filters, zone: ZoneInfo, batch: int = 200, tracker: Optional[Engine] = None
) -> Iterator[str]:
    """One JSON object per filtered conversation, with its whole transcript, streamed.

    `tracker` reads the tracker store's events (default `engine`)."""
    tracker = tracker if tracker is not None else engine
    for chunk in _chunks(engine, filters, zone, batch):
        lines = []
        with engine.connect() as conn, tracker.connect() as source:
            senders = [conversation["sender_id"] for conversation in chunk]
            done, labels = reviews_and_tags(conn, senders)
            read = transcripts(conn, senders, zone, source)
            for conversation in chunk:
                sender = conversation["sender_id"]
                turns = []
                for item in read.get(sender, []):
                    if item["kind"] not in TURN_KINDS:
                        continue
                    turn = {
                        "tipo": TURN_KINDS[item["kind"]],
                        "fecha_hora": item["at"].isoformat(timespec="seconds") if item["at"] else None,
                        "texto": item.get("text", ""),
                    }
                    if item["kind"] == "user":
                        turn.update(
                            intencion=item["intent"],
                            confianza=item["confidence"],
                            intencion_corregida=item["corrected"],
                            no_entendido=item["fallback"],
                            pidio_humano=item["handoff"],
                            sin_respuesta=item["unanswered"],
                            resultado=item["outcome"],
                        )
                    elif item["kind"] == "bot":
                        turn.update(resultado=item["outcome"])
                    else:
                        turn.update(evento=item["event_id"])
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

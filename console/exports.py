"""Exports: corrections as Rasa NLU training data, conversations as CSV and JSONL."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from console import text as T
from console.models import conversations as C
from console.models import corrections, messages as M
from console.queries import Filters, conversation_select, reviews_and_tags, transcripts

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def training_text(text: str) -> str:
    """One line a Rasa NLU example can hold: no control characters, no entity syntax."""
    text = _CONTROL.sub(" ", text or "")
    text = text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")
    return " ".join(text.split())


def nlu_yaml(conn: Connection, exported_by: str, now: datetime) -> str:
    """The corrections as a Rasa 3 NLU file (`version: "3.1"`, `nlu:` with one block per intent)."""
    by_intent: Dict[str, List[str]] = {}
    for row in conn.execute(select(corrections.c.corrected_intent, corrections.c.text)
                            .order_by(corrections.c.corrected_intent, corrections.c.id)):
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
    return "\n".join(lines) + "\n"


def _safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text typed by citizens (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


CSV_COLUMNS = ["conversacion", "remitente", "canal", "fecha_hora", "mensaje", "intencion", "confianza",
               "no_entendido", "pidio_humano", "sin_respuesta", "intencion_corregida", "revisada", "etiquetas"]


def conversations_csv(engine: Engine, filters: Filters, zone: ZoneInfo, batch: int = 500) -> Iterator[str]:
    """One row per citizen message of the filtered conversations, streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()  # BOM: spreadsheets read the accents as UTF-8
    for chunk in _chunks(engine, filters, zone, batch):
        buffer.seek(0)
        buffer.truncate()
        with engine.connect() as conn:
            ids = [c["id"] for c in chunk]
            fixed = dict(conn.execute(select(corrections.c.event_id, corrections.c.corrected_intent)
                                      .where(corrections.c.sender_id.in_([c["sender_id"] for c in chunk]))).all())
            done, labels = reviews_and_tags(conn, [c["sender_id"] for c in chunk])
            by_conversation: Dict[int, List[Any]] = {}
            for m in conn.execute(select(M).where(M.c.conversation_id.in_(ids)).order_by(M.c.event_id)):
                by_conversation.setdefault(m.conversation_id, []).append(m)
        for c in chunk:
            for m in by_conversation.get(c["id"], []):
                writer.writerow([_safe_cell(v) for v in [
                    c["id"], c["sender_id"], T.channel_label(c["channel"]),
                    datetime.fromtimestamp(m.at, zone).isoformat(timespec="seconds"), m.text, m.intent or "",
                    "" if m.confidence is None else f"{m.confidence:.3f}", _yes(m.fallback), _yes(m.handoff),
                    _yes(m.unanswered), fixed.get(m.event_id, ""), _yes(c["sender_id"] in done),
                    ", ".join(labels.get(c["sender_id"], [])),
                ]])
        yield buffer.getvalue()


def conversations_jsonl(engine: Engine, filters: Filters, zone: ZoneInfo, batch: int = 200) -> Iterator[str]:
    """One JSON object per filtered conversation, with its whole transcript, streamed."""
    for chunk in _chunks(engine, filters, zone, batch):
        lines = []
        with engine.connect() as conn:
            senders = [c["sender_id"] for c in chunk]
            done, labels = reviews_and_tags(conn, senders)
            read = transcripts(conn, senders, zone)
            for c in chunk:
                turns = []
                for item in read[c["sender_id"]]:
                    if item["kind"] not in ("user", "bot"):
                        continue
                    turn = {"tipo": "usuario" if item["kind"] == "user" else "asistente",
                            "fecha_hora": item["at"].isoformat(timespec="seconds") if item["at"] else None,
                            "texto": item["text"]}
                    if item["kind"] == "user":
                        turn.update(intencion=item["intent"], confianza=item["confidence"],
                                    intencion_corregida=item["corrected"], no_entendido=item["fallback"],
                                    pidio_humano=item["handoff"], sin_respuesta=item["unanswered"])
                    turns.append(turn)
                lines.append(json.dumps({
                    "conversacion": c["id"], "remitente": c["sender_id"], "canal": T.channel_label(c["channel"]),
                    "inicio": datetime.fromtimestamp(c["first_at"], zone).isoformat(timespec="seconds"),
                    "fin": datetime.fromtimestamp(c["last_at"], zone).isoformat(timespec="seconds"),
                    "revisada": c["sender_id"] in done, "etiquetas": labels.get(c["sender_id"], []),
                    "mensajes": turns,
                }, ensure_ascii=False))
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
            query = query.where((C.c.last_at < last_at) | ((C.c.last_at == last_at) & (C.c.id < last_id)))
        with engine.connect() as conn:
            chunk = [dict(r._mapping) for r in conn.execute(query.limit(batch))]
        if not chunk:
            return
        yield chunk
        after = (chunk[-1]["last_at"], chunk[-1]["id"])

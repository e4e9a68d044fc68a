"""`make bench`: the console's index and queries on 100,000 synthetic conversations.

Fills a tracker store (SQLite in a temporary folder; PostgreSQL too if it answers at
BENCH_POSTGRES_URL, by default the local server) with events shaped exactly like the
ones Rasa's SQL tracker store writes, then prints how long the index takes to build and
to update, and how long each list filter, the dashboard and a transcript take. For
comparison it also times one filter done the naive way, parsing every event's JSON.
BENCH_CONVERSATIONS changes the size (default 100000). `make bench` writes the figures to
docs/benchmarks/serving.md.
"""
from __future__ import annotations

import json
import os
import random
import socket
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Dict, List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

import settings
from benchmarks.report import Section
from console import queries
from console.db import make_engine
from console.indexer import SETTLE_SECONDS, Indexer
from console.migrate import upgrade
from console.models import events, rasa_metadata
from tests.postgres import temporary_database

ZONE = ZoneInfo(settings.TIMEZONE)
INTENTS = ["ask_vote_abroad", "ask_repatriation", "report_stranded", "ask_procedures", "greet", "ask_culture",
           "ask_integration", "ask_multilateral", "thank", "goodbye", "out_of_scope", "request_human"]
WORDS = ("voto extranjero repatriación jamaica bolivia pasaporte consulado multa elecciones oea chile ecuador "
         "cultura visita canciller tacna chancay seguridad ayuda varado").split()
CHANNELS = ["rest", "socketio", "whatsapp"]


def synthetic_events(n: int, seed: int = 2026, days: int = 60) -> List[dict]:
    rng = random.Random(seed)
    now = time.time()
    rows: List[dict] = []
    for i in range(n):
        sender = f"bench-{i:07d}-{uuid.UUID(int=rng.getrandbits(128)).hex[:8]}"
        channel = rng.choice(CHANNELS)
        t = now - rng.random() * days * 86400
        rows.append(dict(sender_id=sender, type_name="action", timestamp=t, intent_name=None,
                         action_name="action_session_start", data=json.dumps({"event": "action", "name": "action_session_start", "timestamp": t})))
        rows.append(dict(sender_id=sender, type_name="session_started", timestamp=t, intent_name=None, action_name=None,
                         data=json.dumps({"event": "session_started", "timestamp": t})))
        for _turn in range(rng.choice([1, 2, 2, 3])):
            t += rng.random() * 60
            fallback = rng.random() < 0.08
            intent = "nlu_fallback" if fallback else rng.choice(INTENTS)
            confidence = 0.45 if fallback else round(rng.uniform(0.3, 1.0), 3)
            message = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
            parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": message,
                     "intent_ranking": [{"name": intent, "confidence": confidence},
                                        {"name": rng.choice(INTENTS), "confidence": round(rng.uniform(0, 0.4), 3)}]}
            rows.append(dict(sender_id=sender, type_name="user", timestamp=t, intent_name=intent, action_name=None,
                             data=json.dumps({"event": "user", "timestamp": t, "text": message, "parse_data": parse,
                                              "input_channel": channel, "message_id": uuid.uuid4().hex})))
            action = {"nlu_fallback": "utter_default", "request_human": "action_human_handoff",
                      "out_of_scope": "utter_out_of_scope"}.get(intent, "action_answer_topic")
            rows.append(dict(sender_id=sender, type_name="action", timestamp=t + 0.1, intent_name=None, action_name=action,
                             data=json.dumps({"event": "action", "name": action, "timestamp": t + 0.1})))
            reply = "No tengo esa información confirmada en mis fuentes oficiales." if rng.random() < 0.1 else "Respuesta con fuente."
            rows.append(dict(sender_id=sender, type_name="bot", timestamp=t + 0.2, intent_name=None, action_name=None,
                             data=json.dumps({"event": "bot", "timestamp": t + 0.2, "text": reply,
                                              "metadata": {"utter_action": action if action.startswith("utter") else None}})))
            rows.append(dict(sender_id=sender, type_name="action", timestamp=t + 0.3, intent_name=None,
                             action_name="action_listen", data=json.dumps({"event": "action", "name": "action_listen"})))
    return rows


def timed(fn: Callable, repeat: int = 5) -> float:
    """Median wall time in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run(url: str, label: str, n: int) -> Dict[str, str]:
    """Time everything on one database; returns {operation: figure}, in order."""
    results: Dict[str, str] = {}

    def record(name: str, value: str) -> None:
        results[name] = value
        print(f"  {name:<60} {value}", flush=True)

    engine = make_engine(url)
    rasa_metadata.create_all(engine)
    upgrade(engine)
    print(f"\nConsole on {label}, {n:,} conversations:".replace(",", " "), flush=True)
    start = time.perf_counter()
    rows = synthetic_events(n)
    for i in range(0, len(rows), 20000):
        with engine.begin() as conn:
            conn.execute(insert(events), rows[i : i + 20000])
    record(f"loading {len(rows):,} events (not the console's work)".replace(",", " "), seconds(start))
    indexer = Indexer(engine)
    start = time.perf_counter()
    indexer.refresh(force=True)
    record("initial index", seconds(start))
    later = time.time() + SETTLE_SECONDS + 1  # as if the index had run once more after settling
    indexer.refresh(force=True, now=later)
    record("index update, nothing new", f"{timed(lambda: indexer.refresh(force=True, now=later)):.1f} ms")
    more = synthetic_events(100, seed=7)
    for row in more:
        row["sender_id"] = "nuevo-" + row["sender_id"]
    with engine.begin() as conn:
        conn.execute(insert(events), more)
    start = time.perf_counter()
    indexer.refresh(force=True, now=later)
    record("index update, 100 new conversations", f"{(time.perf_counter() - start) * 1000:.0f} ms")

    today = date.today()
    yesterday = (today - timedelta(days=1)).isoformat()
    cases = {
        "no filter, page 1": {},
        "page 500": {"pagina": "500"},
        "fallback": {"fallback": "1"},
        "asked for a person": {"humano": "1"},
        "unanswered": {"sin_respuesta": "1"},
        "intent ask_procedures": {"intencion": "ask_procedures"},
        "confidence < 0.5": {"confianza": "0.5"},
        "WhatsApp, last 7 days": {"canal": "whatsapp", "desde": (today - timedelta(days=7)).isoformat()},
        "yesterday's failed conversations": {"desde": yesterday, "hasta": yesterday, "sin_respuesta": "1"},
        "not reviewed": {"revisada": "no"},
        "text «jamaica»": {"q": "jamaica"},
        "text «multa elecciones»": {"q": "multa elecciones"},
        "everything combined": {
            "fallback": "1", "intencion": "nlu_fallback", "confianza": "0.6", "q": "pasaporte", "revisada": "no",
        },
    }
    for name, args in cases.items():
        filters, _ = queries.Filters.from_args(args)

        def page(filters: queries.Filters = filters) -> None:
            with engine.connect() as conn:
                queries.list_conversations(conn, filters, ZONE)

        record(f"list (count + page of 50): {name}", f"{timed(page):.1f} ms")

    def board() -> None:
        with engine.connect() as conn:
            queries.dashboard(conn, today - timedelta(days=29), today)

    record("dashboard, 30 days", f"{timed(board):.1f} ms")
    with engine.connect() as conn:
        sender = conn.scalar(select(events.c.sender_id).limit(1))

    def read() -> None:
        with engine.connect() as conn:
            queries.transcript(conn, sender, ZONE)

    record("one conversation's transcript", f"{timed(read):.1f} ms")

    def naive() -> None:
        with engine.connect() as conn:
            found = set()
            for sender_id, data in conn.execute(
                select(events.c.sender_id, events.c.data).where(events.c.type_name == "user")
            ):
                if json.loads(data)["parse_data"]["intent"]["name"] == "nlu_fallback":
                    found.add(sender_id)

    record("for comparison: the fallback filter reading the events' JSON", f"{timed(naive, repeat=1):.0f} ms")
    engine.dispose()
    return results


def seconds(start: float) -> str:
    return f"{time.perf_counter() - start:.1f} s"


def postgres_url() -> Optional[str]:
    url = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), timeout=2):
            pass
    except OSError:
        return None
    return url


def measure(n: int = 100_000) -> List[Section]:
    """The console on SQLite and, when it answers (BENCH_POSTGRES_URL), on PostgreSQL."""
    columns = {}
    with tempfile.TemporaryDirectory() as folder:
        columns["SQLite"] = run(f"sqlite:///{Path(folder) / 'bench.db'}", "SQLite", n)
    admin_url = postgres_url()
    if admin_url is None:
        print("\nPostgreSQL does not answer (BENCH_POSTGRES_URL): left out.")
    else:
        with temporary_database(admin_url, "console_bench") as url:
            columns["PostgreSQL"] = run(url, "PostgreSQL", n)
    section = Section(
        f"Staff console on {n:,} conversations".replace(",", " "),
        "A tracker store filled with synthetic conversations shaped exactly like the events Rasa's SQL tracker "
        "store writes (1 to 3 turns each, over 60 days), then the console's own work on it: building and "
        "updating its index, each list filter (median of 5), the dashboard and a transcript.",
        ["Operation", *columns],
    )
    print()
    for name in columns["SQLite"]:
        section.add(name, *(values.get(name, "–") for values in columns.values()))
    return [section]


def main() -> int:
    measure(int(os.environ.get("BENCH_CONVERSATIONS", "100000")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

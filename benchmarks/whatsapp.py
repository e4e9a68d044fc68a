"""Speed of the WhatsApp channel, printed (not asserted): how fast the webhook answers
Meta, how long a citizen waits for the reply, and how fast message ids are claimed.

    .venv/bin/python -m benchmarks.whatsapp [--messages 40] [--postgres URL]

Starts the real action and Rasa servers (about 30 s) with temporary databases and the
Graph API stand-in of the tests, then sends signed deliveries from distinct citizens.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import List, Optional

from benchmarks.latency import percentile
from benchmarks.report import Section
from channels.whatsapp.store import WhatsAppStore, message_key
from scripts.serve import Servers, free_port, scratch_stores
from settings import MODEL_FILE, sqlite_url
from tests.graph_api import GraphApiStandIn, channel_env
from tests.whatsapp_payloads import WhatsAppCitizen, text_message

QUESTIONS = ["hola", "¿Cuántos peruanos fueron repatriados desde Jamaica?", "estoy varado en Bolivia",
             "¿qué es la campaña tu voto cruza fronteras?"]


def timing_row(section: Section, load: str, name: str, seconds: List[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    section.add(
        load, name, len(ms), f"{statistics.median(ms):.1f} ms", f"{percentile(ms, 0.95):.1f} ms", f"{ms[-1]:.1f} ms"
    )


def claims_per_second(url: str, count: int = 500) -> float:
    store = WhatsAppStore(url)
    _ = store.engine  # the tables are created before the clock starts
    start = time.perf_counter()
    for i in range(count):
        store.claim(message_key(f"wamid.bench{time.time_ns()}{i}"), "{}")
    elapsed = time.perf_counter() - start
    store.dispose()
    return count / elapsed


def channel(servers: Servers, graph: GraphApiStandIn, messages: int = 40) -> Section:
    """The webhook's answer to Meta and the citizen's wait, on running servers whose channel sends to `graph`."""
    section = Section(
        "WhatsApp channel",
        f"The WhatsApp channel of the running servers, configured against a local stand-in of Meta's Graph API "
        f"(tests/graph_api.py). {messages} signed deliveries from distinct citizens, one at a time and then 4 at "
        "once; each message is then delivered again, as Meta does, and must not be answered twice.",
        ["Load", "Figure", "n", "Median", "p95", "Max"],
    )
    print("WhatsApp channel:", flush=True)
    webhook = f"{servers.rasa_url}/webhooks/whatsapp/webhook"
    acks, answers, redeliveries = [], [], []
    lock = threading.Lock()

    def citizen_session(index: int) -> None:
        citizen = WhatsAppCitizen(webhook, graph, servers.env["TRACKER_STORE_URL"])
        message = text_message(citizen.phone, QUESTIONS[index % len(QUESTIONS)])
        sent = time.perf_counter()
        response = citizen.send(message)
        acked = time.perf_counter()
        graph.wait_for(lambda: citizen.replies(), timeout=120)
        replied = time.perf_counter()
        again = time.perf_counter()
        citizen.send(message)
        redelivered = time.perf_counter()
        assert response.status_code == 200
        with lock:
            acks.append(acked - sent)
            answers.append(replied - sent)
            redeliveries.append(redelivered - again)

    for concurrency in (1, 4):
        acks.clear(), answers.clear(), redeliveries.clear()
        pending = list(range(messages))
        started = time.perf_counter()
        while pending:
            batch, pending = pending[:concurrency], pending[concurrency:]
            threads = [threading.Thread(target=citizen_session, args=(i,)) for i in batch]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        elapsed = time.perf_counter() - started
        load = f"{concurrency} at once" if concurrency > 1 else "one at a time"
        section.add(load, "throughput", messages, f"{messages / elapsed:.1f} messages/s", "–", "–")
        timing_row(section, load, "webhook: 200 to Meta", acks)
        timing_row(section, load, "citizen: first reply sent", answers)
        timing_row(section, load, "webhook: 200 to a redelivery (not answered)", redeliveries)
    return section


def claims(workdir: Path, postgres: Optional[str] = None) -> Section:
    section = Section(
        "WhatsApp message ids",
        "Recording a message id (the claim that lets exactly one delivery through), 500 one after another.",
        ["Database", "Claims per second"],
    )
    print("WhatsApp message ids:", flush=True)
    section.add("SQLite", f"{claims_per_second(sqlite_url(workdir / 'claims.db')):.0f}")
    if postgres:
        section.add("PostgreSQL", f"{claims_per_second(postgres):.0f}")
    return section


def measure(messages: int = 40, postgres: Optional[str] = None) -> List[Section]:
    """The channel on servers of its own, then the claims."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-whatsapp-"))
    with GraphApiStandIn() as graph:
        servers = Servers(
            free_port(), free_port(), MODEL_FILE, log_dir=workdir / "logs",
            env={**scratch_stores(workdir), **channel_env(graph)},
        )
        with servers:
            figures = channel(servers, graph, messages)
    return [figures, claims(workdir, postgres)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--postgres", help="also time claims on this PostgreSQL URL (an empty database)")
    args = parser.parse_args()
    measure(args.messages, args.postgres)
    return 0


if __name__ == "__main__":
    sys.exit(main())

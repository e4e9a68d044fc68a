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
from typing import List

from benchmarks.latency import percentile
from channels.whatsapp.store import WhatsAppStore, message_key
from scripts.serve import Servers, free_port, scratch_stores
from settings import MODEL_FILE
from tests.graph_api import GraphApiStandIn, channel_env
from tests.whatsapp_payloads import WhatsAppCitizen, text_message

QUESTIONS = ["hola", "¿Cuántos peruanos fueron repatriados desde Jamaica?", "estoy varado en Bolivia",
             "¿qué es la campaña tu voto cruza fronteras?"]


def summary(name: str, seconds: List[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = percentile(ms, 0.95)
    return f"{name:<48} n={len(ms):<4} mediana {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms   máx {ms[-1]:8.1f} ms"


def claims_per_second(url: str, count: int = 500) -> float:
    store = WhatsAppStore(url)
    _ = store.engine  # the tables are created before the clock starts
    start = time.perf_counter()
    for i in range(count):
        store.claim(message_key(f"wamid.bench{time.time_ns()}{i}"), "{}")
    elapsed = time.perf_counter() - start
    store.dispose()
    return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--postgres", help="also time claims on this PostgreSQL URL (an empty database)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-whatsapp-"))
    with GraphApiStandIn() as graph:
        servers = Servers(free_port(), free_port(), MODEL_FILE, log_dir=workdir / "logs",
                          env={**scratch_stores(workdir), **channel_env(graph)})
        print("Iniciando los servidores...", flush=True)
        started = time.perf_counter()
        with servers:
            print(f"Servidores listos en {time.perf_counter() - started:.1f} s\n", flush=True)
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
                pending = list(range(args.messages))
                started = time.perf_counter()
                while pending:
                    batch, pending = pending[:concurrency], pending[concurrency:]
                    threads = [threading.Thread(target=citizen_session, args=(i,)) for i in batch]
                    for t in threads:
                        t.start()
                    for t in threads:
                        t.join()
                elapsed = time.perf_counter() - started
                print(f"{concurrency} ciudadano(s) a la vez, {args.messages} mensajes en {elapsed:.1f} s "
                      f"({args.messages / elapsed:.1f} mensajes/s)")
                print(summary("  webhook: 200 a Meta", acks))
                print(summary("  ciudadano: primera respuesta enviada", answers))
                print(summary("  webhook: 200 a un reenvío (no se responde)", redeliveries))
                print()

    sqlite_url = f"sqlite:///{workdir / 'claims.db'}"
    print(f"Registro de ids (SQLite):     {claims_per_second(sqlite_url):8.0f} por segundo")
    if args.postgres:
        print(f"Registro de ids (PostgreSQL): {claims_per_second(args.postgres):8.0f} por segundo")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Speed benchmark (`make bench`): model load time and per-message latency.

Starts the real action server and Rasa server on free ports (SQLite stores in a
temporary directory), times how long until the REST channel answers, then sends the
held-out messages one at a time and with several citizens at once, and prints the
latency percentiles and each server's memory. Optionally times a full training run (--train).
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Tuple

import requests

from benchmarks.nlu import SPLITS, load_examples
from scripts.serve import BIN, Servers, free_port, scratch_stores
from settings import MODEL_FILE, ROOT


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def ask(url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    response = requests.post(url, json={"sender": sender, "message": text}, timeout=120)
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def session_memory_mb(leader: int) -> Tuple[float, float]:
    """Resident and peak memory (MB) of a server: the process and everything in its session.

    Servers are started with start_new_session, so the session id is the leader's pid.
    Reads /proc (Linux); returns (nan, nan) elsewhere.
    """
    resident = peak = 0.0
    try:
        entries = [entry for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    except OSError:
        return math.nan, math.nan
    for entry in entries:
        try:
            stat = (entry / "stat").read_text()
            session = int(stat.rsplit(")", 1)[1].split()[3])
            if session != leader:
                continue
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
        resident += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
        peak += int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
    return (resident, peak) if resident else (math.nan, math.nan)


def print_memory(servers: Servers, moment: str) -> None:
    for name, process in zip(("servidor de acciones", "servidor Rasa"), servers.processes):
        resident, peak = session_memory_mb(process.pid)
        print(f"Memoria del {name} {moment}: {resident:.0f} MB residentes (pico {peak:.0f} MB)")


def report(name: str, latencies: List[float], seconds: float) -> None:
    print(
        f"{name}: {len(latencies)} mensajes en {seconds:.1f} s ({len(latencies) / seconds:.1f} msg/s); "
        f"latencia p50 {percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms, "
        f"máx {max(latencies):.0f} ms, media {statistics.mean(latencies):.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200, help="mensajes del conjunto reservado a enviar")
    parser.add_argument("--concurrency", type=int, default=8, help="ciudadanos simultáneos en la segunda ronda")
    parser.add_argument("--train", action="store_true", help="también mide un entrenamiento completo")
    args = parser.parse_args()

    model = MODEL_FILE
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        if args.train:
            started = time.perf_counter()
            subprocess.run([str(BIN / "rasa"), "train", "--out", str(workdir), "--fixed-model-name", "bench"],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=dict(os.environ, RASA_MAX_CACHE_SIZE="0", RASA_TELEMETRY_ENABLED="false"))
            print(f"Entrenamiento completo (NLU + diálogo, sin caché): {time.perf_counter() - started:.0f} s")
            model = workdir / "bench.tar.gz"
        if not model.exists():
            print(f"No hay modelo en {model}; ejecute `make train`.", file=sys.stderr)
            return 1
        servers = Servers(free_port(), free_port(), model, log_dir=workdir / "logs", env=scratch_stores(workdir))
        started = time.perf_counter()
        servers.start()
        print(f"Arranque hasta responder (carga del modelo incluida): {time.perf_counter() - started:.1f} s "
              f"(modelo de {model.stat().st_size / 1e6:.0f} MB)")
        try:
            url = f"{servers.rasa_url}/webhooks/rest/webhook"
            texts = [text for text, _ in load_examples(SPLITS["heldout"])][: args.messages]
            ask(url, "calentamiento", "hola")
            print_memory(servers, "tras cargar")
            started = time.perf_counter()
            sequential = [ask(url, f"bench-{uuid.uuid4().hex[:8]}", text) for text in texts]
            report("Un ciudadano a la vez", sequential, time.perf_counter() - started)
            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                concurrent = list(pool.map(lambda t: ask(url, f"bench-{uuid.uuid4().hex[:8]}", t), texts))
            report(f"{args.concurrency} ciudadanos a la vez", concurrent, time.perf_counter() - started)
            print_memory(servers, f"tras {2 * len(texts)} mensajes")
        finally:
            servers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

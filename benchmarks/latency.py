"""Speed benchmark (`make bench`): model load time and per-message latency.

Starts the real action server and Rasa server on free ports (SQLite stores in a
temporary directory), times how long until the REST channel answers, then sends the
held-out messages one at a time and with several citizens at once, and prints the
latency percentiles and each server's memory. Optionally times a full training run (--train).
`make bench` (benchmarks.serving) writes the figures to docs/benchmarks/serving.md.
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
from typing import List, Optional, Tuple

import requests

from benchmarks.nlu import SPLITS, load_examples
from benchmarks.report import Section
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


def memory_row(section: Section, servers: Servers, moment: str) -> None:
    for name, process in zip(("action server", "Rasa server"), servers.processes):
        resident, peak = session_memory_mb(process.pid)
        section.add(f"Memory of the {name} {moment}", f"{resident:.0f} MB resident (peak {peak:.0f} MB)")


def latency_row(section: Section, name: str, latencies: List[float], seconds: float) -> None:
    section.add(
        name,
        len(latencies),
        f"{len(latencies) / seconds:.1f}",
        f"{percentile(latencies, 0.5):.0f} ms",
        f"{percentile(latencies, 0.95):.0f} ms",
        f"{max(latencies):.0f} ms",
        f"{statistics.mean(latencies):.0f} ms",
    )


def train(workdir: Path) -> Tuple[Path, float]:
    """A full training without cache (`rasa train`, NLU and dialogue) into `workdir`: the model and the seconds."""
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "rasa"), "train", "--out", str(workdir), "--fixed-model-name", "bench"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, RASA_MAX_CACHE_SIZE="0", RASA_TELEMETRY_ENABLED="false"),
    )
    return workdir / "bench.tar.gz", time.perf_counter() - started


def start(servers: Servers, training: Optional[float] = None) -> Section:
    """Start `servers` and time it; the section gets the memory rows later (memory_row)."""
    section = Section(
        "Start-up and memory",
        "The real action server and Rasa server on free ports, with SQLite stores in a temporary folder"
        + (", after a full training without cache (`rasa train`)" if training is not None else "")
        + ". Memory is the resident set of each server's process group, from /proc.",
        ["Figure", "Value"],
    )
    print("Start-up and memory:", flush=True)
    if training is not None:
        section.add("Full training (NLU and dialogue, no cache)", f"{training:.0f} s")
    started = time.perf_counter()
    servers.start()
    section.add("Start-up until the REST channel answers (model load included)", f"{time.perf_counter() - started:.1f} s")
    section.add("Model size", f"{servers.model.stat().st_size / 1e6:.1f} MB")
    ask(f"{servers.rasa_url}/webhooks/rest/webhook", "warm-up", "hola")
    memory_row(section, servers, "after loading")
    return section


def rest(servers: Servers, messages: int = 200, concurrency: int = 8) -> Section:
    """Latency per message over REST, one citizen at a time and `concurrency` at once."""
    section = Section(
        "Latency per message over REST",
        f"The first {messages} held-out messages (tests/nlu_heldout.yml), each from a new citizen, sent one at a "
        f"time and then by {concurrency} citizens at once, to POST /webhooks/rest/webhook; the time until the "
        "whole reply has arrived.",
        ["Load", "Messages", "Messages/s", "p50", "p95", "Max", "Mean"],
    )
    print("Latency per message over REST:", flush=True)
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    texts = [text for text, _ in load_examples(SPLITS["heldout"])][:messages]
    started = time.perf_counter()
    sequential = [ask(url, f"bench-{uuid.uuid4().hex[:8]}", text) for text in texts]
    latency_row(section, "One citizen at a time", sequential, time.perf_counter() - started)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        concurrent = list(pool.map(lambda t: ask(url, f"bench-{uuid.uuid4().hex[:8]}", t), texts))
    latency_row(section, f"{concurrency} citizens at once", concurrent, time.perf_counter() - started)
    return section


def measure(messages: int = 200, concurrency: int = 8, with_training: bool = False) -> List[Section]:
    """Start-up, memory and REST latency on servers of its own (and a full training first)."""
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        model, training = train(workdir) if with_training else (MODEL_FILE, None)
        if not model.exists():
            raise FileNotFoundError(f"No model at {model}; run `make train`.")
        servers = Servers(free_port(), free_port(), model, log_dir=workdir / "logs", env=scratch_stores(workdir))
        try:
            startup = start(servers, training)
            latency = rest(servers, messages, concurrency)
            memory_row(startup, servers, f"after {2 * messages} messages")
        finally:
            servers.stop()
    return [startup, latency]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200, help="held-out messages to send")
    parser.add_argument("--concurrency", type=int, default=8, help="citizens at once in the second round")
    parser.add_argument("--train", action="store_true", help="also time a full training")
    args = parser.parse_args()
    try:
        measure(args.messages, args.concurrency, args.train)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

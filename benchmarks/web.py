"""Benchmark the website chat: how long a citizen waits, measured in a real browser.

Starts the servers (action server, Rasa, demo page) on free ports unless --site is
given, then, in headless Debian Chromium, repeatedly: opens the page in a fresh
browser context and the chat, and measures
  - page load -> greeting shown (socket connect, session, /greet, rendering);
  - question sent -> answer with its source shown, per question;
and, over python-socketio with long-polling, the server's own round trip
(user_uttered -> last bot_uttered). The widget shows each bot message after a fixed
400 ms (asistente-consular.js, customMessageDelay), which the browser figures include.
Prints median and 95th percentile; asserts nothing. `make bench` writes them to
docs/benchmarks/serving.md.

    .venv/bin/python -m benchmarks.web --rounds 5
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

from benchmarks.latency import percentile
from benchmarks.report import Section
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from scripts.serve import Servers, free_port, scratch_stores
from settings import MODEL_FILE

QUESTIONS = [
    ("¿Cuántos peruanos fueron repatriados desde Jamaica?", "24 peruanos"),
    ("cuantos compatriotas regresaron de bolivia", "72 peruanos"),
    ("¿qué es la campaña tu voto cruza fronteras?", "Tu voto cruza fronteras"),
]
SOURCE = "Fuente: Nota de Prensa 9-26"


def timing_row(section: Section, name: str, seconds: List[float]) -> None:
    section.add(name, len(seconds), f"{statistics.median(seconds):.2f} s", f"{percentile(seconds, 0.95):.2f} s")


def browser_rounds(site: str, rounds: int, chromium: str) -> Dict[str, List[float]]:
    from playwright.sync_api import expect, sync_playwright

    figures: Dict[str, List[float]] = {"greeting": [], "answer": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for _ in range(rounds):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            started = time.perf_counter()
            page.goto(site)
            page.locator(".rw-launcher").click()
            expect(page.locator(".rw-response").first).to_contain_text("¡Hola!", timeout=120_000)
            figures["greeting"].append(time.perf_counter() - started)
            box = page.get_by_role("textbox", name="Escriba su consulta")
            for question, expected in QUESTIONS:
                answers = page.locator(".rw-response").filter(has_text=SOURCE)
                before = answers.count()
                started = time.perf_counter()
                box.fill(question)
                box.press("Enter")
                expect(answers).to_have_count(before + 1, timeout=120_000)
                figures["answer"].append(time.perf_counter() - started)
                assert page.locator(".rw-response").filter(has_text=expected).count() >= 1, question
            context.close()
        browser.close()
    return figures


async def socket_rounds(rasa_url: str, rounds: int) -> List[float]:
    import socketio

    seconds: List[float] = []
    client = socketio.AsyncSimpleClient()
    await client.connect(rasa_url, transports=["polling"])
    session = uuid.uuid4().hex
    await client.emit("session_request", {"session_id": session})
    await client.receive(timeout=60)
    for _ in range(rounds):
        for question, _expected in QUESTIONS:
            started = time.perf_counter()
            await client.emit("user_uttered", {"message": question, "session_id": session})
            while True:
                _event, data = await client.receive(timeout=60)
                if SOURCE in (data.get("text") or ""):
                    break
            seconds.append(time.perf_counter() - started)
    await client.disconnect()
    return seconds


def chat(site: str, rasa_url: Optional[str], rounds: int = 5, chromium: str = str(CHROMIUM)) -> Section:
    """What a citizen waits for on the page at `site`, and the socket's own round trip to `rasa_url`."""
    section = Section(
        "Website chat",
        f"{rounds} rounds in headless Chromium: open the demo page in a fresh browser context, open the chat "
        f"(until the greeting shows), then ask {len(QUESTIONS)} questions (until the answer with its source shows). "
        "The widget shows each bot message after a fixed 400 ms, which the browser figures include. The Socket.IO "
        "round trip (long-polling, user_uttered to the last bot_uttered) is the server's share.",
        ["Figure", "n", "Median", "p95"],
    )
    print("Website chat:", flush=True)
    figures = browser_rounds(site, rounds, chromium)
    timing_row(section, "browser: page load to greeting shown", figures["greeting"])
    timing_row(section, "browser: question to answer with its source shown", figures["answer"])
    if rasa_url:
        seconds = asyncio.run(socket_rounds(rasa_url, rounds))
        timing_row(section, "Socket.IO: question to answer with its source", seconds)
    return section


def measure(
    rounds: int = 5, site: Optional[str] = None, rasa_url: Optional[str] = None, chromium: str = str(CHROMIUM)
) -> List[Section]:
    """The chat on `site`, or on servers of its own (with the demo page) when no site is given."""
    if site:
        return [chat(site, rasa_url, rounds, chromium)]
    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    servers = Servers(
        free_port(), free_port(), MODEL_FILE, web_port=free_port(), log_dir=workdir, env=scratch_stores(workdir)
    )
    with servers:
        return [chat(servers.web_url + "/", servers.rasa_url, rounds, chromium)]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--site", help="URL of a page already served (for example by make run)")
    parser.add_argument("--rasa-url", help="URL of that page's Rasa server")
    parser.add_argument("--chromium", default=str(CHROMIUM))
    args = parser.parse_args(argv)
    measure(args.rounds, args.site, args.rasa_url, args.chromium)
    return 0


if __name__ == "__main__":
    sys.exit(main())

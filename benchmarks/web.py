"""Benchmark the website chat: how long a citizen waits, measured in a real browser.

Starts the servers (action server, Rasa, demo page) on free ports unless --site is
given, then, in headless Debian Chromium, repeatedly: opens the page in a fresh
browser context and the chat, and measures
  - page load -> greeting shown (socket connect, session, /greet, rendering);
  - question sent -> answer with its source shown, per question;
and, over python-socketio with long-polling, the server's own round trip
(user_uttered -> last bot_uttered). The widget shows each bot message after a fixed
400 ms (asistente-consular.js, customMessageDelay), which the browser figures include.
Prints median and 95th percentile; asserts nothing.

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
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from scripts.serve import Servers, free_port, scratch_stores
from settings import MODEL_FILE

QUESTIONS = [
    ("¿Cuántos peruanos fueron repatriados desde Jamaica?", "24 peruanos"),
    ("cuantos compatriotas regresaron de bolivia", "72 peruanos"),
    ("¿qué es la campaña tu voto cruza fronteras?", "Tu voto cruza fronteras"),
]
SOURCE = "Fuente: Nota de Prensa 9-26"


def summary(name: str, seconds: List[float]) -> str:
    return (f"{name:<45} n={len(seconds):<3} mediana={statistics.median(seconds):6.2f} s  "
            f"p95={percentile(seconds, 0.95):6.2f} s")


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


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--site", help="URL de una página ya servida (por ejemplo la de make run)")
    parser.add_argument("--rasa-url", help="URL del servidor Rasa de esa página")
    parser.add_argument("--chromium", default=str(CHROMIUM))
    args = parser.parse_args(argv)

    servers = None
    if not args.site:
        workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
        servers = Servers(free_port(), free_port(), MODEL_FILE, web_port=free_port(), log_dir=workdir,
                          env=scratch_stores(workdir))
        print("Iniciando los servidores...", flush=True)
        started = time.perf_counter()
        servers.start()
        print(f"servidores listos en {time.perf_counter() - started:.1f} s", flush=True)
        args.site, args.rasa_url = servers.web_url + "/", servers.rasa_url
    try:
        figures = browser_rounds(args.site, args.rounds, args.chromium)
        print(summary("navegador: carga -> saludo visible", figures["greeting"]))
        print(summary("navegador: pregunta -> respuesta con fuente", figures["answer"]))
        if args.rasa_url:
            print(summary("socket.io: pregunta -> respuesta con fuente", asyncio.run(socket_rounds(args.rasa_url, args.rounds))))
    finally:
        if servers:
            servers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

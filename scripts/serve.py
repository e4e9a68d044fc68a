"""Start the action server and the Rasa server together; Ctrl-C stops both.

With a web port (`make run` sets one), the website demo page with the chat widget is
served too (scripts/web.py).

Used by `make run` and by the end-to-end tests (which start them once per session on
free ports). Environment defaults (ports, endpoints, databases) are filled in here so
that endpoints.yml can read them; anything already set in the environment wins.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Dict, List, Optional

import requests

import settings

BIN = Path(sys.executable).parent


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(action_port: int, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment both servers run with: defaults below, then os.environ, then `extra`."""
    env = {
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_STORE_URL": settings.DEFAULT_TRACKER_STORE_URL,
        "FACTS_DB_URL": settings.DEFAULT_FACTS_DB_URL,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONUNBUFFERED": "1",
        # WhatsApp and Twilio channels (credentials.yml): empty means "not configured"
        # (the channel answers 503); Rasa refuses to start if a ${VAR} there is unset.
        "WHATSAPP_VERIFY_TOKEN": "",
        "WHATSAPP_APP_SECRET": "",
        "WHATSAPP_ACCESS_TOKEN": "",
        "WHATSAPP_PHONE_NUMBER_ID": "",
        "WHATSAPP_API_BASE_URL": "",  # empty: channels.whatsapp.graph.DEFAULT_API_BASE_URL
        "TWILIO_AUTH_TOKEN": "",
        "TWILIO_WEBHOOK_URL": "",
        "PHONE_HASH_KEY": "",
    }
    # Custom channels (channels/) and actions (actions/) are imported from the repository.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(settings.ROOT), os.environ.get("PYTHONPATH")]))
    env.update({k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    env.update(extra or {})
    return env


def scratch_stores(workdir: Path) -> Dict[str, str]:
    """SQLite stores in `workdir` for a throw-away run (tests, benchmarks): the facts of
    data/facts/ loaded, no conversations yet. Returns FACTS_DB_URL and TRACKER_STORE_URL."""
    from actions.loader import load_dir
    from actions.store import FactStore

    facts_url = settings.sqlite_url(workdir / "facts.db")
    load_dir(FactStore(facts_url), settings.DEFAULT_FACTS_DIR)
    return {"FACTS_DB_URL": facts_url, "TRACKER_STORE_URL": settings.sqlite_url(workdir / "conversations.db")}


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float, name: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} terminó al arrancar (código {process.returncode})")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{name} no respondió en {url} tras {timeout:.0f} s")


class Servers:
    """The action server and the Rasa server as child processes."""

    def __init__(
        self,
        rasa_port: int = 5005,
        action_port: int = 5055,
        model: Path = settings.MODEL_FILE,
        env: Optional[Dict[str, str]] = None,
        log_dir: Optional[Path] = None,
        credentials: Path = settings.ROOT / "credentials.yml",
        endpoints: Path = settings.ROOT / "endpoints.yml",
        web_port: Optional[int] = None,
    ) -> None:
        self.rasa_port = rasa_port
        self.action_port = action_port
        self.model = Path(model)
        self.env = server_env(action_port, env)
        self.log_dir = log_dir
        self.credentials = credentials
        self.endpoints = endpoints
        self.web_port = web_port
        self.processes: List[subprocess.Popen] = []
        self._logs: List = []

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def web_command(self) -> List[str]:
        return [str(BIN / "python"), "-m", "scripts.web", "--port", str(self.web_port), "--rasa-url", self.rasa_url]

    def _spawn(self, name: str, command: List[str]) -> subprocess.Popen:
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")
            self._logs.append(output)
        process = subprocess.Popen(
            command,
            cwd=settings.ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def rasa_command(self) -> List[str]:
        return [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(self.model),
            "--port",
            str(self.rasa_port),
            "--credentials",
            str(self.credentials),
            "--endpoints",
            str(self.endpoints),
            "--cors",
            "*",
        ]

    def start(self, timeout: float = 240, actions: bool = True) -> "Servers":
        """Start the servers and wait until they answer.

        actions=False starts Rasa without the action server (tests of a Rasa restart,
        or of an action server that is down, reuse or omit it).
        """
        if not self.model.exists():
            raise FileNotFoundError(f"No hay modelo entrenado en {self.model}; ejecute `make train`.")
        settings.VAR_DIR.mkdir(exist_ok=True)
        action_server = (
            self._spawn(
                "action-server",
                [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)],
            )
            if actions
            else None
        )
        rasa = self._spawn("rasa-server", self.rasa_command())
        web = self._spawn("web-server", self.web_command()) if self.web_port else None
        try:
            if action_server:
                wait_until_ready(f"{self.action_url}/health", action_server, timeout, "El servidor de acciones")
            wait_until_ready(f"{self.rasa_url}/webhooks/rest/", rasa, timeout, "El servidor Rasa")
            if web:
                wait_until_ready(f"{self.web_url}/", web, timeout, "El servidor web")
        except Exception:
            self.stop()
            raise
        return self

    def stop(self, grace: float = 20) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in self._logs:
            log.close()
        self.processes.clear()

    def __enter__(self) -> "Servers":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Inicia el Asistente Consular (acciones + Rasa + chat web).")
    parser.add_argument("--rasa-port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ACTION_PORT", 5055)))
    parser.add_argument("--model", type=Path, default=settings.MODEL_FILE)
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=Path(os.environ.get("RASA_ENDPOINTS") or settings.ROOT / "endpoints.yml"),
        help="endpoints.yml (deploy/endpoints.production.yml for PostgreSQL, Redis and RabbitMQ)",
    )
    parser.add_argument(
        "--web-port",
        type=int,
        default=int(os.environ.get("WEB_PORT", 8080)),
        help="puerto de la página de demostración con el chat web (0: no servirla)",
    )
    args = parser.parse_args(argv)

    servers = Servers(
        args.rasa_port, args.action_port, args.model, endpoints=args.endpoints, web_port=args.web_port or None
    )
    print("Iniciando el servidor de acciones y el servidor Rasa (la carga del modelo tarda unos segundos)...")
    if servers.web_port:
        print(f"Chat web: {servers.web_url}/  (responde en cuanto el asistente esté listo)", flush=True)
    # Ctrl-C (SIGINT) and SIGTERM stop everything, also while the model is loading. SIGINT is
    # set explicitly: a shell starts background jobs with it ignored, and Python keeps that.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        servers.start()
        web = f"  Chat web:             {servers.web_url}/   (ábralo en el navegador)\n" if servers.web_port else ""
        print(
            "\nAsistente Consular listo.\n"
            + web
            + f"  Chat en la terminal:  make chat   (o: {BIN / 'python'} -m scripts.chat --url {servers.rasa_url})\n"
            f"  API REST:             curl -s -X POST {servers.rasa_url}/webhooks/rest/webhook "
            '-H \'Content-Type: application/json\' -d \'{"sender": "prueba", "message": "hola"}\'\n'
            f"  Socket.IO:            {servers.rasa_url}/socket.io/\n"
            f"  WhatsApp (Meta):      {servers.rasa_url}/webhooks/whatsapp/webhook\n"
            f"  Twilio:               {servers.rasa_url}/webhooks/twilio/webhook\n"
            "  Conversaciones:       " + servers.env["TRACKER_STORE_URL"] + "\n"
            "Ctrl-C detiene los servidores.\n",
            flush=True,
        )
        while all(p.poll() is None for p in servers.processes):
            time.sleep(0.5)
        print("Un servidor se detuvo inesperadamente; deteniendo los demás.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError, FileNotFoundError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C does not cut the clean-up short
            signal.signal(stop_signal, signal.SIG_IGN)
        print("\nDeteniendo los servidores...", flush=True)
        servers.stop()
        print("Detenidos.")


if __name__ == "__main__":
    sys.exit(main())

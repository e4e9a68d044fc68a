"""Fixtures for the console: a migrated database (SQLite, and PostgreSQL when it runs) filled
with conversations written by the real redacting tracker store, a logged-in client, and
the console's commands run as subprocesses (`console_env`, `run`, `start`, `started`)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple
from zoneinfo import ZoneInfo

import pytest
import redis
import requests
from rasa.core.actions.action import create_bot_utterance
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import settings
from console.app import create_app
from console.auth import create_user
from console.config import Settings
from console.db import make_engine
from console.indexer import Indexer
from console.migrate import upgrade
from privacy.tracker_store import RedactingSQLTrackerStore
from scripts.serve import free_port
from tests.conftest import REDIS_URL, require_url

LIMA = ZoneInfo(settings.TIMEZONE)
PASSWORD = "contraseña-de-prueba-1"
NOT_CONFIRMED = "No tengo esa información confirmada en mis fuentes oficiales (trámites)."

# (text, intent, confidence, action, reply, response name[, outcome]): without an outcome,
# the bot message is stored as before the outcome field existed.
Turn = Tuple


def bot_message(reply: str, response: Optional[str], outcome: Optional[str], timestamp: float) -> BotUttered:
    """The bot message exactly as Rasa 3.6 stores it (rasa.core.actions.action.create_bot_utterance):
    a custom action's `utter_message(text=..., outcome=...)` keeps `outcome` at the top of the
    metadata; a domain response's `metadata: {outcome: ...}` is kept one level down."""
    if outcome is None:
        event = BotUttered(reply, metadata={"utter_action": response})
    elif response is None:
        event = create_bot_utterance({"text": reply, "outcome": outcome})
    else:
        event = create_bot_utterance({"text": reply, "utter_action": response, "metadata": {"outcome": outcome}})
    event.timestamp = timestamp
    return event


def write_conversation(
    store: RedactingSQLTrackerStore,
    sender: str,
    turns: List[Turn],
    channel: str = "rest",
    when: Optional[datetime] = None,
) -> None:
    """Store a conversation exactly as the Rasa server would, through the redacting tracker store."""
    t0 = (when or datetime.now(LIMA)).timestamp()
    tracker = asyncio.run(store.retrieve(sender))
    events = []
    if tracker is None:
        tracker = DialogueStateTracker(sender, slots=[])
        events = [
            ActionExecuted("action_session_start", timestamp=t0),
            SessionStarted(timestamp=t0),
            ActionExecuted("action_listen", timestamp=t0),
        ]
    for i, turn in enumerate(turns):
        text, intent, confidence, action, reply, response = turn[:6]
        outcome = turn[6] if len(turn) > 6 else None
        t = t0 + 10 * (i + 1)
        ranking = [{"name": intent, "confidence": confidence}]
        if intent == "nlu_fallback":
            ranking = [
                {"name": "nlu_fallback", "confidence": 0.45},
                {"name": "ask_procedures", "confidence": confidence},
            ]
        parse = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.45 if intent == "nlu_fallback" else confidence},
            "entities": [],
            "intent_ranking": ranking,
        }
        events += [
            UserUttered(text, parse["intent"], parse_data=parse, input_channel=channel, timestamp=t),
            ActionExecuted(action, timestamp=t + 1),
            bot_message(reply, response, outcome, t + 2),
            ActionExecuted("action_listen", timestamp=t + 3),
        ]
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))


def seed(url: str) -> None:
    """Five conversations covering what staff filter for."""
    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=url)
    now = datetime.now(LIMA)
    yesterday = now - timedelta(days=1)
    write_conversation(
        store,
        "ok-jamaica",
        [
            (
                "¿Cuántos peruanos fueron repatriados desde Jamaica?",
                "ask_repatriation",
                0.97,
                "action_answer_topic",
                "La Cancillería repatrió a 24 peruanos. Fuente: Nota de Prensa 9-26.",
                None,
            )
        ],
        "rest",
        now,
    )
    write_conversation(
        store,
        "fallo-ayer",
        [
            ("hola", "greet", 0.99, "utter_greet", "¡Hola!", "utter_greet"),
            (
                "asdkjh qwpoeiru",
                "nlu_fallback",
                0.21,
                "utter_default",
                "Disculpe, no logré entender su mensaje.",
                "utter_default",
            ),
        ],
        "socketio",
        yesterday,
    )
    write_conversation(
        store,
        "humano-whatsapp",
        [
            (
                "quiero hablar con un funcionario",
                "request_human",
                0.95,
                "action_human_handoff",
                "Este chat no puede transferirle con un funcionario.",
                None,
            )
        ],
        "whatsapp",
        now - timedelta(days=3),
    )
    write_conversation(
        store,
        "sin-fuente",
        [
            (
                "¿Cuánto cuesta el pasaporte en Madrid? Mi DNI es 45678912",
                "ask_procedures",
                0.55,
                "action_answer_topic",
                NOT_CONFIRMED,
                None,
            )
        ],
        "rest",
        yesterday,
    )
    write_conversation(
        store,
        "fuera-de-alcance",
        [
            (
                "quién ganó el partido de fútbol",
                "out_of_scope",
                0.88,
                "utter_out_of_scope",
                "Lo siento, esa consulta está fuera de lo que puedo responder.",
                "utter_out_of_scope",
            )
        ],
        "rest",
        now - timedelta(days=10),
    )
    store.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """An empty database: SQLite, then the real PostgreSQL (skipped if absent, failing under CI)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'conversations.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(db_url):
    seed(db_url)
    engine = make_engine(db_url)
    upgrade(engine)
    Indexer(engine).refresh(force=True)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    seed(url)
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def users(sqlite_engine):
    with sqlite_engine.begin() as conn:
        create_user(conn, "ana", PASSWORD, "admin")
        create_user(conn, "luis", PASSWORD, "reviewer")
    return {"admin": "ana", "reviewer": "luis"}


@pytest.fixture
def app(sqlite_engine, users):
    app = create_app(
        Settings(db_url=str(sqlite_engine.url), secret_key="clave-de-prueba-" * 4), sqlite_engine, index_interval=0
    )
    app.config["TESTING"] = True
    return app


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def log_in(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"usuario": username, "contrasena": password, "csrf_token": csrf_token(client)})


@pytest.fixture
def admin_client(app):
    client = app.test_client()
    assert log_in(client, "ana").status_code == 302
    return client


@pytest.fixture
def reviewer_client(app):
    client = app.test_client()
    assert log_in(client, "luis").status_code == 302
    return client


# --- the console's commands, as subprocesses ------------------------------------------


@pytest.fixture
def console_env(tmp_path: Path) -> Dict[str, str]:
    """An environment whose console database is a fresh SQLite file."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("CONSOLE_"):
            del env[name]
    env["TRACKER_STORE_URL"] = f"sqlite:///{tmp_path / 'conversations.db'}"
    env["CONSOLE_SECRET_KEY"] = "clave-de-prueba-" + "x" * 32
    env["CONSOLE_PORT"] = str(free_port())
    # make's own VENV default is relative to the repository, like the README's commands.
    env["PYTHONPATH"] = str(settings.ROOT)
    return env


def run(args, env: Dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    # A new session has no controlling terminal, so getpass reads the password from stdin.
    return subprocess.run(
        args,
        cwd=settings.ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,
    )


def start(args, env: Dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=settings.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"the console exited with code {process.returncode} while starting:\n{output}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    pytest.fail(f"the console did not answer on {url} within {timeout} s")


def stop(process: subprocess.Popen) -> str:
    """Stop a console this test started (its own process group); returns what it printed."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
    return process.stdout.read() if process.stdout else ""


@pytest.fixture
def started() -> Iterator[List[subprocess.Popen]]:
    """The consoles a test starts, stopped at its end."""
    processes: List[subprocess.Popen] = []
    yield processes
    for process in processes:
        stop(process)


def form_token(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def http_log_in(base: str, username: str, password: str = PASSWORD, **headers: str) -> requests.Session:
    """Log in to a running console over HTTP; returns the session."""
    session = requests.Session()
    session.headers.update(headers)
    form = session.get(f"{base}/login", timeout=10)
    assert form.status_code == 200
    response = session.post(
        f"{base}/login",
        data={"csrf_token": form_token(form.text), "usuario": username, "contrasena": password},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return session


@pytest.fixture
def redis_prefix():
    """A Redis key prefix of this test alone; its keys are deleted afterwards (never a flush)."""
    require_url("Redis", REDIS_URL, 6379)
    prefix = f"prueba-consola-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()

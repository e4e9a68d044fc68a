"""Shared fixtures: a seeded facts store, rasa-sdk trackers, real services, real servers.

Services (PostgreSQL, Redis, RabbitMQ) are used for real: a test that needs one skips
with the reason when it is not reachable, except in CI (CI set to any true value: 1,
true, yes...), where it fails. The Rasa and action servers start once per session, on
free ports, with their own temporary databases; a test that uses them is marked e2e.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional
from urllib.parse import SplitResult, urlsplit

import pytest
import requests

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import settings  # noqa: E402
from actions.loader import load_dir  # noqa: E402
from actions.store import FactStore, _store_for  # noqa: E402
from scripts.serve import Servers, free_port, scratch_stores  # noqa: E402

if TYPE_CHECKING:
    from tests.graph_api import GraphApiStandIn

ROOT = settings.ROOT
MODEL = settings.MODEL_FILE
ARTIFACTS = ROOT / "tests" / "artifacts"
# The services the tests use (docs/development.md): this machine's by default, or the ones
# these variables point to. PostgreSQL: a user that may create and drop databases.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


# Values of CI that do not mean "running in CI"; anything else set does (1, true, yes, True...).
NOT_CI = {"", "0", "false", "no", "off"}


def in_ci() -> bool:
    """Whether the tests run in CI, where a missing service is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() not in NOT_CI


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, in CI, fail) unless `name` accepts connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as error:
        message = f"{name} is not reachable at {host}:{port} ({error})"
    if in_ci():
        pytest.fail(f"{message}; in CI this service is required")
    pytest.skip(message)


def require_url(name: str, url: str, default_port: int) -> SplitResult:
    """require_service for the host and port of `url`; returns the parsed URL."""
    parts = urlsplit(url)
    require_service(name, parts.hostname or "127.0.0.1", parts.port or default_port)
    return parts


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    """A test that uses the running servers is an end-to-end test, marked or not."""
    for item in items:
        if "servers" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.e2e)


# --- the facts store ---------------------------------------------------------------

@pytest.fixture
def seeded_store(tmp_path: Path) -> FactStore:
    """A SQLite facts store loaded from the reviewed data/facts/."""
    store = FactStore(settings.sqlite_url(tmp_path / "facts.db"))
    load_dir(store, settings.DEFAULT_FACTS_DIR)
    return store


@pytest.fixture
def use_store(monkeypatch: pytest.MonkeyPatch, seeded_store: FactStore) -> FactStore:
    """Point the actions' shared store (FACTS_DB_URL) at `seeded_store`."""
    monkeypatch.setenv("FACTS_DB_URL", str(seeded_store.engine.url))
    _store_for.cache_clear()
    yield seeded_store
    _store_for.cache_clear()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    require_url("PostgreSQL", POSTGRES_ADMIN_URL, 5432)
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    from tests.postgres import temporary_database

    with temporary_database(postgres_admin_url) as url:
        yield url


# --- rasa-sdk trackers ---------------------------------------------------------------

def user_event(text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
    }
    return {"event": "user", "text": text, "parse_data": parse_data, "timestamp": 0}


def country_entity(value: str, text: Optional[str] = None) -> Dict[str, Any]:
    return {"entity": "country", "value": value, "text": text or value, "extractor": "RegexEntityExtractor"}


def make_tracker(
    text: str,
    intent: str,
    entities: Optional[List[Dict[str, Any]]] = None,
    history: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    sender_id: str = "prueba",
):
    """A rasa-sdk Tracker whose latest message is `text`, after the user events in `history`."""
    from rasa_sdk import Tracker

    latest = user_event(text, intent, entities)
    events = list(history or []) + [latest]
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


# --- the real servers ----------------------------------------------------------------

class Conversation:
    """One citizen talking to the running assistant over the REST channel."""

    def __init__(self, rasa_url: str, sender: Optional[str] = None) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = sender or f"prueba-{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> List[Dict[str, Any]]:
        response = requests.post(self.url, json={"sender": self.sender, "message": text}, timeout=60)
        response.raise_for_status()
        return response.json()

    def reply_text(self, text: str) -> str:
        return "\n\n".join(m.get("text", "") for m in self.say(text))


@pytest.fixture(scope="session")
def graph_api() -> Iterator["GraphApiStandIn"]:
    """A local stand-in for Meta's Graph API; the servers' WhatsApp channel sends to it."""
    from tests.graph_api import GraphApiStandIn

    with GraphApiStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory, graph_api) -> Iterator[Servers]:
    """The real action server and Rasa server, once per test session."""
    from tests.graph_api import channel_env

    if not MODEL.exists():
        pytest.fail(f"No hay modelo entrenado en {MODEL}; `make test` lo entrena antes de las pruebas.")
    workdir = tmp_path_factory.mktemp("servers")
    running = Servers(
        rasa_port=free_port(),
        action_port=free_port(),
        model=MODEL,
        env={**scratch_stores(workdir), **channel_env(graph_api)},  # WhatsApp and Twilio channels configured for the tests
        log_dir=ARTIFACTS / "logs",
    )
    running.start()
    yield running
    running.stop()


def stored_events(servers: Servers, sender_id: str, kind: str = "user") -> List[Dict[str, Any]]:
    """The events of one kind ("user", "bot"...) the servers' tracker store (SQLite) keeps for one conversation."""
    db_path = servers.env["TRACKER_STORE_URL"].replace("sqlite:///", "")
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = ? ORDER BY id", (sender_id, kind)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


@pytest.fixture
def conversation(servers: Servers) -> Conversation:
    return Conversation(servers.rasa_url)

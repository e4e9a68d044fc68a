"""The console's databases and its index, per app.

Two engines: `engine` holds the console's own tables (CONSOLE_DB_URL), `tracker` reads
Rasa's `events` table (CONSOLE_TRACKER_URL, read only). By default both are the tracker
store's database and the same engine. `init_app` attaches them and the index kept over
them (console.indexer) to a Flask app, as `app.extensions["console"]`; the views reach
them with `get_engine()`, `get_tracker()` and `get_indexer()`. `make_engine` is also
what the CLI, the migrations and the benchmarks use.
"""

from __future__ import annotations

from typing import Optional

from flask import Flask, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from console.indexer import Indexer


def _decode_text(value: bytes) -> str:
    """SQLite text that is not UTF-8 (written by another client) is read with U+FFFD, not refused."""
    return value.decode("utf-8", "replace")


def make_engine(url: str) -> Engine:
    """A SQLAlchemy 2.0-style engine; SQLite waits for the Rasa server's writes instead of failing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            dbapi_connection.text_factory = _decode_text
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def init_app(app: Flask, engine: Engine, index_interval: float, tracker: Optional[Engine] = None) -> None:
    """Attach `engine`, `tracker` (default: `engine`) and the index (refreshed at most every `index_interval` s)."""
    tracker = tracker if tracker is not None else engine
    indexer = Indexer(engine, app.config["CONSOLE_TIMEZONE"], min_interval=index_interval, tracker=tracker)
    app.extensions["console"] = {"engine": engine, "tracker": tracker, "indexer": indexer}


def get_engine() -> Engine:
    """The current app's engine (the console's own tables)."""
    return current_app.extensions["console"]["engine"]


def get_tracker() -> Engine:
    """The current app's engine for reading the tracker store's events."""
    return current_app.extensions["console"]["tracker"]


def get_indexer() -> Indexer:
    """The current app's index of the tracker store."""
    return current_app.extensions["console"]["indexer"]

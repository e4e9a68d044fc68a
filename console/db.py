"""The console's database (the tracker store's database) and its index, per app.

`init_app` attaches an engine and the index kept over it (console.indexer) to a Flask
app, as `app.extensions["console"]`; the views reach them with `get_engine()` and
`get_indexer()`. `make_engine` is also what the CLI, the migrations and the
benchmarks use.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from console.indexer import Indexer


def make_engine(url: str) -> Engine:
    """A SQLAlchemy 2.0-style engine; SQLite waits for the Rasa server's writes instead of failing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def init_app(app: Flask, engine: Engine, index_interval: float) -> None:
    """Attach `engine` and its index (refreshed at most every `index_interval` seconds) to `app`."""
    indexer = Indexer(engine, app.config["CONSOLE_TIMEZONE"], min_interval=index_interval)
    app.extensions["console"] = {"engine": engine, "indexer": indexer}


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["console"]["engine"]


def get_indexer() -> Indexer:
    """The current app's index of the tracker store."""
    return current_app.extensions["console"]["indexer"]

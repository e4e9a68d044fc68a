"""The console's own tables and Rasa's conversations in two PostgreSQL databases, with the
roles and grants of deploy/postgres/ (run here as documented, under throw-away names):

- Rasa's role writes conversations and cannot even connect to the console's database;
- the console's reader role only SELECTs events: it cannot insert, change, delete or create;
- the console, started with `python -m console serve`, indexes and shows the conversations
  through the reader, and keeps staff, reviews and the audit log in its own database;
- `python -m console prune --apply` through the reader fails cleanly (nothing deleted, the
  failure audited), and deletes through the pruner role (CONSOLE_PRUNE_URL).
"""

from __future__ import annotations

import re
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, Iterator

import pytest
from rasa.shared.core.domain import Domain
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

import settings
from console.models import audit, events
from privacy.tracker_store import RedactingSQLTrackerStore
from tests.console.conftest import LIMA, PASSWORD, http_log_in, run, start, wait_for, write_conversation

SCRIPTS = settings.ROOT / "deploy" / "postgres"
NAMES = re.compile(r"\basistente_(rasa|consola|lector|purga|conversaciones)\b")
CONSOLE = [sys.executable, "-m", "console"]


def run_script(admin_url: str, path: Path, suffix: str) -> None:
    """Run a psql script of deploy/postgres/ as the administrator: its statements, and its
    `\\connect database` lines; the names get this test's suffix."""
    script = NAMES.sub(lambda m: f"{m.group(0)}_{suffix}", path.read_text(encoding="utf-8"))
    database = make_url(admin_url).database
    statements: list = []

    def flush() -> None:
        if statements:
            engine = create_engine(
                make_url(admin_url).set(database=database), isolation_level="AUTOCOMMIT", future=True
            )
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
            engine.dispose()
            statements.clear()

    buffer = ""
    for line in script.splitlines():
        line = line.split("--")[0].strip()
        if line.startswith("\\connect"):
            flush()
            database = line.split()[1]
        elif line:
            buffer += " " + line
            if buffer.rstrip().endswith(";"):
                statements.append(buffer.strip())
                buffer = ""
    flush()


@pytest.fixture
def cluster(postgres_admin_url) -> Iterator[Dict[str, str]]:
    """The roles and databases of deploy/postgres/databases.sql, dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    name = {key: f"asistente_{key}_{suffix}" for key in ("rasa", "consola", "lector", "purga", "conversaciones")}
    admin = make_url(postgres_admin_url)

    def url(role: str, database: str) -> str:
        return admin.set(username=name[role], password=None, database=name[database]).render_as_string(False)

    run_script(postgres_admin_url, SCRIPTS / "databases.sql", suffix)
    try:
        yield {
            "suffix": suffix,
            "admin": postgres_admin_url,
            "rasa": url("rasa", "conversaciones"),
            "rasa_to_console": url("rasa", "consola"),
            "console": url("consola", "consola"),
            "console_to_tracker": url("consola", "conversaciones"),
            "reader": url("lector", "conversaciones"),
            "pruner": url("purga", "conversaciones"),
        }
    finally:
        engine = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT", future=True)
        with engine.connect() as conn:
            for database in (name["conversaciones"], name["consola"]):
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": database}
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            for role in ("rasa", "consola", "lector", "purga"):
                conn.execute(text(f'DROP ROLE IF EXISTS "{name[role]}"'))
        engine.dispose()


def refused(url: str, statement: str, exception=ProgrammingError) -> str:
    engine = create_engine(url, future=True)
    try:
        with pytest.raises(exception) as error, engine.begin() as conn:
            conn.execute(text(statement))
        return str(error.value)
    finally:
        engine.dispose()


def count_events(url: str) -> int:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(events))
    engine.dispose()
    return total


def test_the_console_reads_through_a_read_only_role_and_keeps_its_tables_apart(cluster, console_env, started):
    # Rasa, with its own role, stores conversations (and creates its table) as in production.
    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=cluster["rasa"])
    now = datetime.now(LIMA)
    write_conversation(
        store,
        "reciente",
        [("¿cuántos volvieron de Jamaica?", "ask_repatriation", 0.97, "action_answer_topic", "24.", None, "answered")],
        "whatsapp",
        now - timedelta(days=1),
    )
    write_conversation(
        store,
        "antigua",
        [("hola", "greet", 0.99, "utter_greet", "¡Hola!", "utter_greet", "greeting")],
        "rest",
        now - timedelta(days=200),
    )
    store.engine.dispose()
    run_script(cluster["admin"], SCRIPTS / "grants.sql", cluster["suffix"])

    env = dict(console_env, CONSOLE_DB_URL=cluster["console"], CONSOLE_TRACKER_URL=cluster["reader"])
    env.pop("TRACKER_STORE_URL")
    created = run(CONSOLE + ["user", "create", "ana", "--role", "admin", "--password-stdin"], env, PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    process = start(CONSOLE + ["serve", "--port", env["CONSOLE_PORT"]], env)
    started.append(process)
    base = f"http://127.0.0.1:{env['CONSOLE_PORT']}"
    wait_for(f"{base}/login", process)
    session = http_log_in(base, "ana")
    listed = session.get(f"{base}/conversaciones", timeout=30).text
    assert "2 conversaciones" in listed and "¿cuántos volvieron de Jamaica?" in listed
    conversation = re.search(r'href="/conversaciones/(\d+)">¿cuántos', listed).group(1)
    transcript = session.get(f"{base}/conversaciones/{conversation}", timeout=30).text
    assert "resultado: respondida" in transcript

    # Each database holds only its own tables.
    tracker_tables = set(inspect(create_engine(cluster["rasa"])).get_table_names())
    console_tables = set(inspect(create_engine(cluster["console"])).get_table_names())
    assert tracker_tables == {"events"}
    assert {
        "console_staff",
        "console_audit",
        "console_conversations",
    } <= console_tables and "events" not in console_tables

    # The reader only reads.
    assert "permission denied" in refused(cluster["reader"], "DELETE FROM events")
    assert "permission denied" in refused(
        cluster["reader"], "INSERT INTO events (sender_id, type_name, data) VALUES ('x', 'user', '{}')"
    )
    assert "permission denied" in refused(cluster["reader"], "UPDATE events SET data = '{}'")
    assert "permission denied" in refused(cluster["reader"], "CREATE TABLE console_staff (id integer)")
    # Rasa's role cannot reach the console's tables; the console's own role cannot reach the conversations.
    assert "permission denied" in refused(cluster["rasa_to_console"], "SELECT 1", OperationalError)
    assert "permission denied" in refused(cluster["console_to_tracker"], "SELECT 1", OperationalError)

    # Pruning through the reader is refused, cleanly, and audited; through the pruner it works.
    before = count_events(cluster["rasa"])
    denied = run(CONSOLE + ["prune", "--apply"], env)
    assert denied.returncode == 1 and "CONSOLE_PRUNE_URL" in denied.stderr and "Traceback" not in denied.stderr
    assert count_events(cluster["rasa"]) == before
    pruned = run(CONSOLE + ["prune", "--apply"], dict(env, CONSOLE_PRUNE_URL=cluster["pruner"]))
    assert pruned.returncode == 0, pruned.stderr
    assert "1 conversaciones" in pruned.stdout
    assert count_events(cluster["rasa"]) < before
    assert "permission denied" in refused(
        cluster["pruner"], "INSERT INTO events (sender_id, type_name, data) VALUES ('x', 'user', '{}')"
    )
    engine = create_engine(cluster["console"], future=True)
    with engine.connect() as conn:
        outcomes = [r.detail for r in conn.execute(select(audit).where(audit.c.action == "purga").order_by(audit.c.id))]
    engine.dispose()
    assert len(outcomes) == 2 and outcomes[0].startswith("fallida") and outcomes[1].startswith("1 conversaciones")
    listed = session.get(f"{base}/conversaciones", timeout=30).text
    assert "1 conversaciones" in listed

"""Retention: `python -m console prune` (a dry run, then --apply) deletes what is older than
the retention period from the tracker store and the console, on SQLite and PostgreSQL, and
both runs are in the audit log."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta

from rasa.shared.core.domain import Domain
from sqlalchemy import func, select

from console import work
from console.db import make_engine
from console.models import audit, conversations, corrections, events, messages, notes, reviews, tags
from privacy.tracker_store import RedactingSQLTrackerStore
from tests.console.conftest import LIMA, run, write_conversation

CONSOLE = [sys.executable, "-m", "console"]


def fill(url: str) -> None:
    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=url)
    now = datetime.now(LIMA)
    turn = ("{}", "ask_repatriation", 0.9, "action_answer_topic", "Respuesta.", None, "answered")
    write_conversation(
        store, "antigua", [(("mensaje de hace 200 días",) + turn[1:])], "rest", now - timedelta(days=200)
    )
    write_conversation(
        store, "continuada", [("primera vez, hace 300 días",) + turn[1:]], "whatsapp", now - timedelta(300)
    )
    write_conversation(store, "continuada", [("volvió hace 2 días",) + turn[1:]], "whatsapp", now - timedelta(days=2))
    write_conversation(store, "dentro-del-plazo", [("hace 170 días",) + turn[1:]], "rest", now - timedelta(days=170))
    write_conversation(store, "reciente", [("hace 10 días",) + turn[1:]], "rest", now - timedelta(days=10))
    store.engine.dispose()


def user_event(engine, sender: str, text: str) -> int:
    with engine.connect() as conn:
        for event_id, data in conn.execute(
            select(events.c.id, events.c.data).where(events.c.sender_id == sender, events.c.type_name == "user")
        ):
            if text in json.loads(data)["text"]:
                return event_id
    raise AssertionError(text)


def test_prune_dry_run_then_apply(db_url, console_env):
    fill(db_url)
    env = dict(console_env, TRACKER_STORE_URL=db_url)
    assert run(CONSOLE + ["reindex"], env).returncode == 0
    engine = make_engine(db_url)
    old_message = user_event(engine, "continuada", "primera vez")
    new_message = user_event(engine, "continuada", "volvió")
    with engine.begin() as conn:  # staff work on what is about to expire
        work.add_tag(conn, "antigua", "pasaportes", "ana")
        work.add_note(conn, "antigua", "Revisar", "ana")
        work.set_reviewed(conn, "antigua", "ana", True)
        for event_id in (old_message, new_message):
            work.correct_intent(conn, "continuada", event_id, "ask_procedures", "ana", ["ask_procedures"])

    def count(table, *where) -> int:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(table).where(*where))

    events_before = count(events)
    dry = run(CONSOLE + ["prune"], env)
    assert dry.returncode == 0, dry.stderr
    assert "Simulación, no se borró nada" in dry.stdout
    assert "2 conversaciones con mensajes anteriores al" in dry.stdout and "(180 días)" in dry.stdout
    assert "1 enteras y 1 que siguieron después" in dry.stdout
    assert count(events) == events_before and count(conversations) == 4

    wider = run(CONSOLE + ["prune"], dict(env, CONSOLE_RETENTION_DAYS="5"))  # the period is configurable
    assert "4 conversaciones" in wider.stdout and "(5 días)" in wider.stdout

    applied = run(CONSOLE + ["prune", "--apply"], env)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith("Borradas 2 conversaciones")
    cutoff = datetime.now(LIMA).timestamp() - 180 * 86400
    assert count(events, events.c.sender_id == "antigua") == 0
    assert count(events, events.c.timestamp < cutoff) == 0
    assert count(events, events.c.sender_id == "continuada") > 0
    assert count(events, events.c.sender_id == "dentro-del-plazo") > 0
    with engine.connect() as conn:
        listed = dict(conn.execute(select(conversations.c.sender_id, conversations.c.user_messages)).all())
        texts = set(conn.scalars(select(messages.c.text)))
        fixed = set(conn.scalars(select(corrections.c.event_id)))
        actions = [(r.action, r.username) for r in conn.execute(select(audit).order_by(audit.c.id))]
    assert listed == {"continuada": 1, "dentro-del-plazo": 1, "reciente": 1}
    assert "primera vez, hace 300 días" not in texts and "volvió hace 2 días" in texts
    assert fixed == {new_message}
    for table in (tags, notes, reviews):
        assert count(table) == 0
    assert [a for a, _ in actions] == ["purga_simulada", "purga_simulada", "purga"]
    assert all(user.endswith("(línea de comandos)") for _, user in actions)

    again = run(CONSOLE + ["prune", "--apply"], env)
    assert again.returncode == 0 and again.stdout.startswith("Borradas 0 conversaciones")
    refused = run(CONSOLE + ["prune", "--days", "0"], env)
    assert refused.returncode == 2 and "al menos un día" in refused.stderr
    engine.dispose()

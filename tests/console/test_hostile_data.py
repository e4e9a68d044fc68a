"""Hostile and damaged conversations never take the console down (issues 11 and 17).

A tracker store is filled with what a client can make Rasa store (a REST message with a
lone surrogate, U+0000, terminal escapes), and with events written directly, as an older
version or another client could have: bad JSON, JSON that is not an object, fields of the
wrong type, timestamps that are no date, nesting too deep, names too long for the
console's columns, bytes that are not UTF-8 (SQLite). Then the index, every page and every
export must work, on SQLite and on the real PostgreSQL; the console started with the
README's command must start, and show the damaged events as unreadable.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import sqlite3
import sys
from datetime import datetime, timedelta
from typing import Dict, List

import pytest
import requests
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from console.app import create_app
from console.auth import create_user
from console.config import Settings
from console.db import make_engine
from console.indexer import SETTLE_SECONDS, Indexer
from console.migrate import upgrade
from console.models import conversations, events, index_state, messages
from privacy.tracker_store import RedactingSQLTrackerStore
from tests.console.conftest import (
    LIMA,
    PASSWORD,
    csrf_token,
    form_token,
    http_log_in,
    log_in,
    run,
    start,
    wait_for,
    write_conversation,
)

HOSTILE = "hola\x00 quiero \ud800 votar \x1b[31m desde\x07 Chile \udfff\r\nfin"
CLEAN = "hola quiero \ufffd votar [31m desde Chile \ufffd\nfin"
SURROGATE_REST = "hola \ud800 quiero votar"  # issue 17: valid JSON, answered with 200, stored by Rasa
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def row(sender: str, kind: str, t, data, action=None, intent=None) -> Dict:
    return {
        "sender_id": sender,
        "type_name": kind,
        "timestamp": t,
        "action_name": action,
        "intent_name": intent,
        "data": data if isinstance(data, str) or data is None else json.dumps(data),
    }


def user(text, t, intent="ask_vote_abroad", channel="rest", confidence=0.8) -> Dict:
    return {
        "event": "user",
        "timestamp": t,
        "text": text,
        "input_channel": channel,
        "parse_data": {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []},
    }


def fill(url: str) -> None:
    """A real conversation, the message of issue 17 as Rasa stores it, and damaged events."""
    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=url)
    now = datetime.now(LIMA)
    write_conversation(
        store,
        "normal",
        [("hola", "greet", 0.99, "utter_greet", "¡Hola!", "utter_greet", "greeting")],
        "rest",
        now - timedelta(hours=2),
    )
    write_conversation(  # what Rasa stores for it: the surrogate as a JSON escape
        store,
        "surrogate-rest",
        [(SURROGATE_REST, "ask_vote_abroad", 0.9, "action_answer_topic", "Respuesta \udc00.", None, "answered")],
        "rest",
        now - timedelta(hours=1),
    )
    store.engine.dispose()
    t = now.timestamp()
    deep = "[" * 5000 + "]" * 5000
    rows = [
        row("hostil", "action", t, {"event": "action", "name": "action_session_start"}, "action_session_start"),
        row("hostil", "user", t + 1, user(HOSTILE, t + 1, intent="ask\x00_vote" + "x" * 400, channel="c" * 500)),
        row(
            "hostil",
            "bot",
            t + 2,
            {"event": "bot", "text": "respuesta \x00\ud800", "metadata": {"outcome": "answered"}},
        ),
        row("hostil", "user", t + 3, "{esto no es JSON"),
        row("hostil", "user", t + 4, "[1, 2, 3]"),
        row("hostil", "user", t + 5, {"event": "user", "text": {"no": "texto"}}),
        row("hostil", "user", None, {"event": "user", "text": "sin fecha", "timestamp": "ayer"}),
        row("hostil", "user", 1e300, {"event": "user", "text": "fecha imposible"}),
        row("hostil", "user", t + 8, '{"event": "user", "text": "anidado", "parse_data": ' + deep + "}"),
        row("hostil", "bot", t + 9, '"solo una cadena"'),
        row(
            "hostil", "user", t + 10, {"event": "user", "text": "nan", "parse_data": {"intent": {"confidence": "NaN"}}}
        ),
        row("hostil", "slot", t + 11, {"event": "slot", "name": "pais\x00", "value": "Chile\x00\ud800"}),
        row("hostil", "action", t + 12, {"event": "action"}, "accion\x01rara"),
        row("hostil", "user", t + 13, user("=1+1 quiero votar", t + 13)),
        row("hostil", "bot", t + 14, {"event": "bot", "text": "ok", "metadata": {"outcome": ["no", "es", "texto"]}}),
        row("solo-ilegible", "user", t + 20, "{roto"),
        row("id\x01raro", "user", t + 30, user("hola", t + 30)),
    ]
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(events), rows)
    engine.dispose()
    if url.startswith("sqlite"):  # bytes that are not UTF-8, as a client writing raw bytes could store
        with sqlite3.connect(make_url(url).database) as db:
            db.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, CAST(? AS TEXT))",
                ("bytes", t + 40, b'{"event": "user", "text": "caf\xe9 \xff\xfe votar", "input_channel": "rest"}'),
            )


UNREADABLE_IN_HOSTIL = 8  # bad JSON, a list, text not a string, no date, impossible date, too deep, bot string, ...


@pytest.fixture
def hostile_url(db_url) -> str:
    fill(db_url)
    return db_url


def test_the_index_survives_hostile_events_logs_once_and_moves_on(hostile_url, caplog):
    engine = make_engine(hostile_url)
    upgrade(engine)
    indexer = Indexer(engine)
    with caplog.at_level(logging.WARNING, logger="console.indexer"):
        indexer.refresh(force=True)
    first = [r.getMessage() for r in caplog.records]
    with engine.connect() as conn:
        rows = {r.sender_id: r for r in conn.execute(select(conversations))}
        texts = list(conn.scalars(select(messages.c.text)))
        intents = list(conn.scalars(select(messages.c.intent).where(messages.c.intent.is_not(None))))
    assert {"normal", "surrogate-rest", "hostil", "solo-ilegible"} <= set(rows)
    assert "id\x01raro" not in rows  # its id cannot be a key: left out, logged
    hostil = rows["hostil"]
    assert hostil.unreadable == 7 and hostil.user_messages == 3 and hostil.channel == "c" * 64
    assert hostil.first_text == CLEAN
    assert rows["solo-ilegible"].unreadable == 1 and rows["solo-ilegible"].user_messages == 0
    assert "hola \ufffd quiero votar" in texts
    assert not any(UNSAFE.search(t) for t in texts + intents)
    assert all(len(i) <= 255 for i in intents)
    if hostile_url.startswith("sqlite"):
        assert "caf\ufffd \ufffd\ufffd votar" in texts
    assert any("hostil" in m and "7 unreadable" in m for m in first)
    assert any("id\\x01raro" in m for m in first)

    # Logged once: a new message in the same conversation recomputes it without logging again.
    with engine.begin() as conn:
        conn.execute(insert(events), [row("hostil", "user", datetime.now(LIMA).timestamp(), user("otra", 1))])
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="console.indexer"):
        indexer.refresh(force=True)
    assert caplog.records == []
    # The checkpoint moves past the damaged events.
    later = datetime.now(LIMA).timestamp() + SETTLE_SECONDS + 5
    indexer.refresh(force=True, now=later)
    indexer.refresh(force=True, now=later)
    with engine.connect() as conn:
        assert conn.scalar(select(index_state.c.checkpoint)) == conn.scalar(
            select(events.c.id).order_by(events.c.id.desc()).limit(1)
        )
    engine.dispose()


@pytest.fixture
def hostile_client(hostile_url):
    engine = make_engine(hostile_url)
    upgrade(engine)
    with engine.begin() as conn:
        create_user(conn, "ana", PASSWORD, "admin")
    app = create_app(Settings(db_url=hostile_url, secret_key="clave-de-prueba-" * 4), engine, index_interval=0)
    app.config["TESTING"] = True
    client = app.test_client()
    assert log_in(client, "ana").status_code == 302
    yield client
    engine.dispose()


def pages(client) -> List[str]:
    """Every page a staff member can open: the list (also filtered), each conversation, the dashboard..."""
    listed = client.get("/conversaciones").get_data(as_text=True)
    ids = sorted(set(re.findall(r'href="/conversaciones/(\d+)"', listed)))
    return (
        ["/conversaciones", "/conversaciones?q=votar", "/conversaciones?sin_respuesta=1", "/panel", "/auditoria"]
        + [f"/conversaciones/{i}" for i in ids]
        + ["/exportar/conversaciones.csv", "/exportar/conversaciones.jsonl", "/exportar/correcciones.yml"]
    )


def check_exports(get) -> None:
    body = get("/exportar/conversaciones.csv")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert {"hostil", "surrogate-rest", "normal"} <= {r["remitente"] for r in rows}
    assert "'=1+1 quiero votar" in [r["mensaje"] for r in rows]
    lines = [json.loads(line) for line in get("/exportar/conversaciones.jsonl").splitlines() if line]
    hostil = next(c for c in lines if c["remitente"] == "hostil")
    assert sum(m["tipo"] == "ilegible" for m in hostil["mensajes"]) >= 5
    nlu = get("/exportar/correcciones.yml")
    data = yaml.safe_load(nlu)
    assert {"intent": "ask_procedures", "examples": "- hola quiero \ufffd votar (31m desde Chile \ufffd fin\n"} in data[
        "nlu"
    ]
    assert RasaYAMLReader().reads(nlu).intent_examples


def test_every_page_and_export_answers(hostile_client):
    client = hostile_client
    listed = client.get("/conversaciones").get_data(as_text=True)
    assert "(mensaje ilegible)" in listed and "7 ilegibles" in listed
    hostil = re.search(r'href="/conversaciones/(\d+)">hola quiero', listed).group(1)
    transcript = client.get(f"/conversaciones/{hostil}").get_data(as_text=True)
    assert transcript.count("Evento ilegible") >= 5 and "dato recordado: pais = Chile" in transcript
    event_id = re.findall(r'data-evento="(\d+)"', transcript)[0]
    token = csrf_token(client, f"/conversaciones/{hostil}")
    fixed = client.post(
        f"/conversaciones/{hostil}/mensajes/{event_id}/intencion",
        data={"intencion": "ask_procedures", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Intención corregida" in fixed.get_data(as_text=True)
    for path in pages(client):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert not UNSAFE.search(body.replace("\r\n", "").replace("\n", "").replace("\t", "")), path
    check_exports(lambda path: client.get(path).get_data(as_text=True))


@pytest.mark.parametrize(
    "command, database",
    [("make console", "sqlite"), ("python -m console serve", "sqlite"), ("python -m console serve", "postgresql")],
)
def test_the_console_starts_on_hostile_data_and_every_page_answers(
    console_env, started, request, tmp_path, command, database
):
    """The README's command, on a tracker store holding every kind of damaged event."""
    url = f"sqlite:///{tmp_path / 'hostil.db'}" if database == "sqlite" else request.getfixturevalue("postgres_url")
    fill(url)
    console_env["TRACKER_STORE_URL"] = url
    created = run(
        [sys.executable, "-m", "console", "user", "create", "ana", "--role", "admin", "--password-stdin"],
        console_env,
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    port = console_env["CONSOLE_PORT"]
    args = ["make", "console"] if command == "make console" else [sys.executable, "-m", "console", "serve"]
    process = start(args + ([] if command == "make console" else ["--port", port]), console_env)
    started.append(process)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/login", process)
    session = http_log_in(base, "ana")
    listed = session.get(f"{base}/conversaciones", timeout=30).text
    assert "7 ilegibles" in listed
    hostil = re.search(r'href="/conversaciones/(\d+)">hola quiero', listed).group(1)
    transcript = session.get(f"{base}/conversaciones/{hostil}", timeout=30).text
    event_id = re.findall(r'data-evento="(\d+)"', transcript)[0]
    session.post(
        f"{base}/conversaciones/{hostil}/mensajes/{event_id}/intencion",
        data={"intencion": "ask_procedures", "csrf_token": form_token(transcript)},
        timeout=30,
    )
    for path in pages(_Adapter(session, base)):
        response = session.get(base + path, timeout=60)
        assert response.status_code == 200, (path, response.text[:500])
    check_exports(lambda path: session.get(base + path, timeout=60).content.decode("utf-8"))
    assert process.poll() is None


class _Adapter:
    """`pages()` over a real HTTP session."""

    def __init__(self, session: requests.Session, base: str) -> None:
        self.session, self.base = session, base

    def get(self, path: str):
        text = self.session.get(self.base + path, timeout=60).text

        class Body:
            def get_data(self, as_text: bool = True) -> str:
                return text

        return Body()


@pytest.mark.parametrize(
    "path",
    [
        "/conversaciones?intencion=%00x&etiqueta=%00&q=%00%01&resultado=%00",
        "/auditoria?usuario=%00admin&pagina=99999999999999999999999999",
        "/panel?desde=%00",
        "/exportar/conversaciones.csv?intencion=%00",
        "/exportar/conversaciones.jsonl?etiqueta=%00",
    ],
)
def test_hostile_query_strings_on_both_databases(hostile_client, path):
    """PostgreSQL refuses U+0000 in a query parameter: a filter typed with one is cleaned first."""
    assert hostile_client.get(path).status_code == 200


def test_hostile_ids_and_forms_on_both_databases(hostile_client):
    assert hostile_client.get("/conversaciones/99999999999999999999").status_code == 404
    listed = hostile_client.get("/conversaciones").get_data(as_text=True)
    some = re.search(r'href="/conversaciones/(\d+)"', listed).group(1)
    token = csrf_token(hostile_client, f"/conversaciones/{some}")
    big_event = hostile_client.post(
        f"/conversaciones/{some}/mensajes/99999999999999999999/intencion",
        data={"csrf_token": token, "intencion": "greet"},
    )
    assert big_event.status_code == 404
    removed = hostile_client.post(
        f"/conversaciones/{some}/etiquetas/quitar", data={"csrf_token": token, "etiqueta": "a\x00b"}
    )
    assert removed.status_code == 302
    noted = hostile_client.post(
        f"/conversaciones/{some}/notas", data={"csrf_token": token, "nota": "nota\x00 con\x07 controles"}
    )
    assert noted.status_code == 302
    assert "nota con controles" in hostile_client.get(f"/conversaciones/{some}").get_data(as_text=True)


def test_the_console_starts_and_answers_while_the_tracker_store_is_down(console_env, started):
    """The conversations' database does not answer: the console still starts, and the list and the
    dashboard show what is indexed, with a warning."""
    from scripts.serve import free_port

    seed_url = console_env["TRACKER_STORE_URL"]
    fill(seed_url)
    assert run([sys.executable, "-m", "console", "reindex"], console_env).returncode == 0
    env = dict(
        console_env, CONSOLE_DB_URL=seed_url, CONSOLE_TRACKER_URL=f"postgresql://nadie@127.0.0.1:{free_port()}/x"
    )
    created = run(
        [sys.executable, "-m", "console", "user", "create", "ana", "--password-stdin"], env, stdin=PASSWORD + "\n"
    )
    assert created.returncode == 0, created.stderr
    process = start([sys.executable, "-m", "console", "serve", "--port", env["CONSOLE_PORT"]], env)
    started.append(process)
    base = f"http://127.0.0.1:{env['CONSOLE_PORT']}"
    wait_for(f"{base}/login", process)
    session = http_log_in(base, "ana")
    for path in ("/conversaciones", "/panel"):
        page = session.get(base + path, timeout=30)
        assert page.status_code == 200
        assert "No se pudo actualizar el índice de conversaciones" in page.text
    assert "hola quiero" in session.get(f"{base}/conversaciones", timeout=30).text

"""Explicit outcomes: the console indexes the `outcome` every bot message carries in its
metadata (as Rasa stores it), counts facts-store outages, and keeps matching the wording
for conversations older than the field. Twilio conversations are labelled and filterable.

Conversations are written through the real redacting tracker store, on SQLite and on the
real PostgreSQL.
"""

import json
from datetime import datetime, timedelta

import pytest
from rasa.shared.core.domain import Domain
from sqlalchemy import select

from console import queries
from console.db import make_engine
from console.indexer import Indexer
from console.migrate import upgrade
from console.models import events, messages
from privacy.tracker_store import RedactingSQLTrackerStore
from tests.console.conftest import LIMA, write_conversation

STORE_DOWN = (
    "Disculpe, en este momento no puedo consultar mi información oficial. "
    "Por favor, intente nuevamente en unos minutos o visite https://www.gob.pe/rree"
)
ANSWER = "La Cancillería repatrió a 24 peruanos desde Jamaica. Fuente: Nota de Prensa 9-26."


def fill(url: str) -> None:
    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=url)
    now = datetime.now(LIMA)
    yesterday = now - timedelta(days=1)
    write_conversation(  # yesterday the facts store was down: the apology matches no wording rule
        store,
        "caida-ayer",
        [
            ("hola", "greet", 0.99, "utter_greet", "¡Hola! Soy el asistente consular.", "utter_greet", "greeting"),
            (
                "cuantos volvieron de jamaica",
                "ask_repatriation",
                0.93,
                "action_answer_topic",
                STORE_DOWN,
                None,
                "store_unavailable",
            ),
        ],
        "socketio",
        yesterday,
    )
    write_conversation(  # answered: a wording rule would not flag it either way
        store,
        "respondida",
        [("cuantos peruanos regresaron", "ask_repatriation", 0.97, "action_answer_topic", ANSWER, None, "answered")],
        "rest",
        now,
    )
    write_conversation(  # the outcome decides, not the wording: this honest "no" says it differently
        store,
        "dato-faltante",
        [
            (
                "cuando llegaron",
                "ask_repatriation",
                0.9,
                "action_answer_topic",
                "La nota no indica la fecha exacta de llegada.",
                None,
                "missing_detail",
            ),
        ],
        "whatsapp",
        yesterday,
    )
    write_conversation(  # an older conversation, before the field: today's wording rule
        store,
        "antigua",
        [
            (
                "cuanto cuesta el pasaporte",
                "ask_procedures",
                0.6,
                "action_answer_topic",
                "No tengo esa información confirmada en mis fuentes oficiales.",
                None,
            ),
        ],
        "rest",
        yesterday,
    )
    write_conversation(
        store,
        "twilio-1",
        [("hola", "greet", 0.99, "utter_greet", "¡Hola!", "utter_greet", "greeting")],
        "twilio",
        now,
    )
    store.engine.dispose()


@pytest.fixture
def outcome_engine(db_url):
    fill(db_url)
    engine = make_engine(db_url)
    upgrade(engine)
    Indexer(engine).refresh(force=True)
    yield engine
    engine.dispose()


def senders(engine, **args):
    filters, errors = queries.Filters.from_args({k: str(v) for k, v in args.items()})
    assert not errors, errors
    with engine.connect() as conn:
        return sorted(row["sender_id"] for row in queries.list_conversations(conn, filters, LIMA).rows)


def test_the_outcome_is_stored_where_rasa_puts_it(outcome_engine):
    """Top level for a custom action's message, one level down for a domain response."""
    with outcome_engine.connect() as conn:
        bots = [json.loads(d) for d in conn.scalars(select(events.c.data).where(events.c.type_name == "bot"))]
    assert any(b["metadata"].get("outcome") == "store_unavailable" for b in bots)
    assert any(b["metadata"].get("metadata", {}).get("outcome") == "greeting" for b in bots)


def test_the_index_keeps_each_messages_outcome(outcome_engine):
    with outcome_engine.connect() as conn:
        stored = dict(conn.execute(select(messages.c.text, messages.c.outcome)).all())
    assert stored["hola"] == "greeting"
    assert stored["cuantos volvieron de jamaica"] == "store_unavailable"
    assert stored["cuantos peruanos regresaron"] == "answered"
    assert stored["cuando llegaron"] == "missing_detail"
    assert stored["cuanto cuesta el pasaporte"] is None  # older than the field


def test_yesterdays_failed_conversations_include_the_facts_store_outage(outcome_engine):
    yesterday = (datetime.now(LIMA) - timedelta(days=1)).date().isoformat()
    failed = senders(outcome_engine, desde=yesterday, hasta=yesterday, sin_respuesta=1)
    assert failed == ["antigua", "caida-ayer", "dato-faltante"]
    assert "respondida" not in senders(outcome_engine, sin_respuesta=1)


def test_filter_by_outcome(outcome_engine):
    assert senders(outcome_engine, resultado="store_unavailable") == ["caida-ayer"]
    assert senders(outcome_engine, resultado="greeting") == ["caida-ayer", "twilio-1"]
    assert senders(outcome_engine, resultado="answered") == ["respondida"]
    filters, errors = queries.Filters.from_args({"resultado": "inventado"})
    assert errors == ["El resultado elegido no existe."] and filters.outcome == ""


def test_twilio_conversations_are_labelled_and_filterable(outcome_engine):
    assert senders(outcome_engine, canal="twilio") == ["twilio-1"]
    filters, _ = queries.Filters.from_args({"canal": "twilio"})
    with outcome_engine.connect() as conn:
        [row] = queries.list_conversations(conn, filters, LIMA).rows
    assert row["channel_label"] == "Twilio"


def test_the_dashboard_counts_outcomes_and_outages(outcome_engine):
    today = datetime.now(LIMA).date()
    with outcome_engine.connect() as conn:
        board = queries.dashboard(conn, today - timedelta(days=6), today)
    assert board.totals["store_unavailable"] == 1
    assert board.store_unavailable[board.days.index(today - timedelta(days=1))] == 1
    counted = {name: n for name, _label, n in board.outcomes}
    assert counted == {"store_unavailable": 1, "missing_detail": 1, "answered": 1, "greeting": 2}
    assert board.totals["unanswered"] == 60.0  # 3 of 5 conversations


def test_staff_see_outcomes_on_the_pages(app, admin_client):
    """The list's filter, the transcript's labels, the dashboard's outage count, the exports' column."""
    fill(str(app.extensions["console"]["engine"].url))
    page = admin_client.get("/conversaciones?resultado=store_unavailable").get_data(as_text=True)
    assert "1 conversaciones" in page and 'value="store_unavailable" selected' in page
    assert "Twilio" in admin_client.get("/conversaciones?canal=twilio").get_data(as_text=True)
    link = page.split('href="/conversaciones/')[1].split('"')[0]
    transcript = admin_client.get(f"/conversaciones/{link}").get_data(as_text=True)
    assert "resultado: almacén de hechos no disponible" in transcript and "resultado: saludo" in transcript
    board = admin_client.get("/panel").get_data(as_text=True)
    assert '<strong id="caidas">1</strong>' in board and "Almacén de hechos no disponible" in board
    csv_text = admin_client.get("/exportar/conversaciones.csv?resultado=missing_detail").get_data(as_text=True)
    assert "dato no disponible en las fuentes" in csv_text
    jsonl = admin_client.get("/exportar/conversaciones.jsonl?canal=twilio").get_data(as_text=True)
    assert '"resultado": "greeting"' in jsonl and '"canal": "Twilio"' in jsonl

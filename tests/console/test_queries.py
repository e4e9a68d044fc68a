"""The index and the list, transcript and dashboard queries, on SQLite and on PostgreSQL."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from console import queries, work
from console.indexer import SETTLE_SECONDS, Indexer
from console.models import conversations, events
from privacy.tracker_store import RedactingSQLTrackerStore
from tests.console.conftest import LIMA, write_conversation


def senders(engine, **args):
    filters, errors = queries.Filters.from_args({k: str(v) for k, v in args.items()})
    assert not errors
    with engine.connect() as conn:
        page = queries.list_conversations(conn, filters, LIMA)
    return [row["sender_id"] for row in page.rows]


def test_filters_find_where_the_assistant_failed(engine):
    assert set(senders(engine)) == {"ok-jamaica", "fallo-ayer", "humano-whatsapp", "sin-fuente", "fuera-de-alcance"}
    assert senders(engine, fallback=1) == ["fallo-ayer"]
    assert senders(engine, humano=1) == ["humano-whatsapp"]
    assert set(senders(engine, sin_respuesta=1)) == {"fallo-ayer", "sin-fuente", "fuera-de-alcance"}
    assert senders(engine, intencion="ask_repatriation") == ["ok-jamaica"]
    assert set(senders(engine, confianza="0.6")) == {"fallo-ayer", "sin-fuente"}
    assert senders(engine, canal="whatsapp") == ["humano-whatsapp"]
    assert senders(engine, canal="socketio") == ["fallo-ayer"]


def test_yesterday_in_lima_and_free_text(engine):
    yesterday = (datetime.now(LIMA) - timedelta(days=1)).date().isoformat()
    assert set(senders(engine, desde=yesterday, hasta=yesterday)) == {"fallo-ayer", "sin-fuente"}
    assert set(senders(engine, desde=yesterday, hasta=yesterday, sin_respuesta=1)) == {"fallo-ayer", "sin-fuente"}
    assert senders(engine, q="JAMAICA") == ["ok-jamaica"]
    assert senders(engine, q="cuanto cuesta") == ["sin-fuente"]  # accent-insensitive: "Cuánto"
    assert senders(engine, q="100%_") == []  # LIKE wildcards are literal
    assert senders(engine, q="45678912") == []  # the DNI was never stored


def test_reviewed_and_tags(engine):
    with engine.begin() as conn:
        work.set_reviewed(conn, "sin-fuente", "ana", True)
        work.add_tag(conn, "sin-fuente", "Pasaportes", "ana")
        work.add_tag(conn, "fallo-ayer", "pasaportes", "ana")
    assert senders(engine, revisada="si") == ["sin-fuente"]
    assert "sin-fuente" not in senders(engine, revisada="no") and len(senders(engine, revisada="no")) == 4
    assert set(senders(engine, etiqueta="pasaportes")) == {"sin-fuente", "fallo-ayer"}


def test_bad_filter_values_are_explained_not_fatal():
    filters, errors = queries.Filters.from_args(
        {"desde": "ayer", "confianza": "alta", "canal": "fax", "q": "x" * 5000, "pagina": "-3"}
    )
    assert len(errors) == 4 and all(isinstance(e, str) for e in errors)
    assert filters.date_from is None and filters.max_confidence is None and filters.channel == ""
    assert len(filters.q) == queries.MAX_QUERY_CHARS and filters.page == 1


def test_pagination(engine):
    filters, _ = queries.Filters.from_args({})
    with engine.connect() as conn:
        first = queries.list_conversations(conn, filters, LIMA, page_size=2)
        filters.page = 3
        last = queries.list_conversations(conn, filters, LIMA, page_size=2)
    assert (first.total, first.pages, len(first.rows), len(last.rows)) == (5, 3, 2, 1)
    assert not {r["sender_id"] for r in first.rows} & {r["sender_id"] for r in last.rows}


def test_index_updates_incrementally_and_catches_late_commits(engine):
    url = engine.url.render_as_string(hide_password=False)
    store = RedactingSQLTrackerStore(host=url)
    indexer = Indexer(engine)
    with engine.connect() as conn:
        before = conn.scalar(select(conversations.c.id).where(conversations.c.sender_id == "ok-jamaica"))
    write_conversation(
        store,
        "ok-jamaica",
        [
            (
                "no entiendo nada",
                "nlu_fallback",
                0.1,
                "utter_default",
                "Disculpe, no logré entender su mensaje.",
                "utter_default",
            )
        ],
    )
    store.engine.dispose()
    indexer.refresh(force=True)
    assert "ok-jamaica" in senders(engine, fallback=1)
    with engine.connect() as conn:
        row = conn.execute(select(conversations).where(conversations.c.sender_id == "ok-jamaica")).one()
    assert row.id == before and row.user_messages == 2  # same conversation, same link for staff
    # An event committed late with a lower ID than one already indexed is not lost.
    with engine.begin() as conn:
        top = conn.scalar(select(events.c.id).order_by(events.c.id.desc()).limit(1))
        conn.execute(
            insert(events).values(
                id=top + 50,
                sender_id="nuevo",
                type_name="action",
                action_name="action_listen",
                timestamp=datetime.now(LIMA).timestamp(),
                data="{}",
            )
        )
    indexer.refresh(force=True)
    with engine.begin() as conn:
        conn.execute(
            insert(events).values(
                id=top + 10,
                sender_id="tardio",
                type_name="user",
                intent_name="request_human",
                timestamp=datetime.now(LIMA).timestamp(),
                data='{"event": "user", "text": "quiero una persona", "input_channel": "rest", '
                '"parse_data": {"intent": {"name": "request_human", "confidence": 0.9}}}',
            )
        )
    indexer.refresh(force=True)
    assert "tardio" in senders(engine, humano=1)
    later = datetime.now(LIMA).timestamp() + SETTLE_SECONDS + 5
    indexer.refresh(force=True, now=later)
    indexer.refresh(force=True, now=later)
    assert "tardio" in senders(engine, humano=1)


def test_transcript_shows_messages_intents_replies_and_corrections(engine):
    with engine.connect() as conn:
        conv = conn.execute(select(conversations).where(conversations.c.sender_id == "fallo-ayer")).one()
    with engine.begin() as conn:
        items = queries.transcript(conn, "fallo-ayer", LIMA)
        user = [i for i in items if i["kind"] == "user"]
        assert [u["text"] for u in user] == ["hola", "asdkjh qwpoeiru"]
        assert (
            user[1]["intent"] == "nlu_fallback" and user[1]["fallback"] and user[1]["confidence"] == pytest.approx(0.21)
        )
        assert any(i["kind"] == "bot" and i["response"] == "utter_default" for i in items)
        assert any(i["kind"] == "action" and i["name"] == "utter_default" for i in items)
        assert user[0]["channel"] == "Web"
        work.correct_intent(conn, "fallo-ayer", user[1]["event_id"], "ask_procedures", "ana", ["ask_procedures"])
        with pytest.raises(work.WorkError):
            work.correct_intent(conn, "ok-jamaica", user[1]["event_id"], "greet", "ana", ["greet"])
        with pytest.raises(work.WorkError):
            work.correct_intent(conn, "fallo-ayer", user[1]["event_id"], "no_existe", "ana", ["greet"])
    with engine.connect() as conn:
        again = [i for i in queries.transcript(conn, "fallo-ayer", LIMA) if i["kind"] == "user"]
    assert again[1]["corrected"] == "ask_procedures" and conv.channel == "socketio"


def test_dashboard_counts_rates_intents_and_unanswered(engine):
    today = datetime.now(LIMA).date()
    with engine.connect() as conn:
        board = queries.dashboard(conn, today - timedelta(days=29), today)
    assert board.totals["conversations"] == 5 and board.totals["messages"] == 6
    assert board.totals["fallback"] == 20.0 and board.totals["handoff"] == 20.0
    yesterday = board.days.index(today - timedelta(days=1))
    assert board.conversations[yesterday] == 2 and board.fallback_rate[yesterday] == 50.0
    assert dict(board.top_intents)["greet"] == 1
    questions = dict(board.unanswered)
    assert "asdkjh qwpoeiru" in questions and "quién ganó el partido de fútbol" in questions
    assert "hola" not in questions

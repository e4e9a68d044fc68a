"""The WhatsApp channel's memory of message ids and menus, on SQLite and on PostgreSQL."""

import datetime as dt
import threading

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from channels.whatsapp.store import DONE, PENDING, SeenMessage, WhatsAppStore, default_db_url, message_key
from tests.whatsapp_payloads import backdate_claim


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(db_url):
    store = WhatsAppStore(db_url)
    yield store
    store.dispose()


def test_a_message_id_is_claimed_once(store):
    key = message_key("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=")
    assert store.claim(key, '{"text": "hola"}') is True
    assert store.claim(key, '{"text": "hola"}') is False
    assert store.state(key) == PENDING


def test_a_restart_remembers_the_ids_seen(db_url):
    first = WhatsAppStore(db_url)
    first.claim(message_key("wamid.uno"), "{}")
    first.complete(message_key("wamid.uno"))
    first.dispose()
    restarted = WhatsAppStore(db_url)  # a new process: nothing in memory, same database
    assert restarted.claim(message_key("wamid.uno"), "{}") is False
    assert restarted.claim(message_key("wamid.dos"), "{}") is True
    restarted.dispose()


def test_concurrent_redeliveries_let_exactly_one_through(db_url):
    stores = [WhatsAppStore(db_url) for _ in range(6)]  # as many connections as deliveries
    for s in stores:
        _ = s.engine  # tables created before the race
    results = []
    barrier = threading.Barrier(len(stores))

    def deliver(s):
        barrier.wait()
        results.append(s.claim(message_key("wamid.concurrente"), '{"text": "hola"}'))

    threads = [threading.Thread(target=deliver, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [False] * 5 + [True]
    for s in stores:
        s.dispose()


def test_an_answered_message_keeps_only_its_digest(store):
    key = message_key("wamid.tres")
    store.claim(key, '{"to": "51987654321", "text": "hola"}')
    store.complete(key)
    with Session(store.engine) as session:
        row = session.get(SeenMessage, key)
    assert (row.state, row.payload) == (DONE, None)
    assert "wamid" not in row.key and len(row.key) == 64


def test_a_message_left_unanswered_by_a_stopped_process_is_taken_over_once(store):
    store.claim(message_key("wamid.viejo"), '{"text": "viejo"}')
    store.claim(message_key("wamid.nuevo"), '{"text": "nuevo"}')
    backdate_claim(store, message_key("wamid.viejo"))
    taken = store.reclaim_stale(dt.timedelta(minutes=10))
    assert taken == [(message_key("wamid.viejo"), '{"text": "viejo"}')]
    assert store.reclaim_stale(dt.timedelta(minutes=10)) == []  # its lease was renewed


def test_expired_ids_are_purged(db_url):
    store = WhatsAppStore(db_url, seen_ttl=dt.timedelta(seconds=-1))
    store.claim(message_key("wamid.caducado"), "{}")
    assert store.purge_expired() == 1
    assert store.claim(message_key("wamid.caducado"), "{}") is True
    store.dispose()


def test_a_menu_answers_only_the_next_message(store):
    store.save_menu("wa-conversacion", ["/a", "/b", "/c"])
    store.save_menu("wa-conversacion", ["/x", "/y"])  # replaced by the newest
    assert store.pop_menu("wa-conversacion") == ["/x", "/y"]
    assert store.pop_menu("wa-conversacion") is None


def test_an_expired_menu_is_ignored(db_url):
    store = WhatsAppStore(db_url, menu_ttl=dt.timedelta(seconds=-1))
    store.save_menu("wa-conversacion", ["/a"])
    assert store.pop_menu("wa-conversacion") is None
    store.dispose()


def test_the_tables_default_to_the_tracker_database(monkeypatch):
    monkeypatch.delenv("WHATSAPP_DB_URL", raising=False)
    monkeypatch.setenv("TRACKER_STORE_URL", "postgresql://rasa@db/conversaciones")
    assert default_db_url() == "postgresql://rasa@db/conversaciones"
    monkeypatch.setenv("WHATSAPP_DB_URL", "sqlite:///otra.db")
    assert default_db_url() == "sqlite:///otra.db"


def test_an_unreachable_database_fails_the_call_not_the_constructor():
    store = WhatsAppStore("postgresql://nadie@127.0.0.1:1/nada")
    with pytest.raises(DBAPIError):
        store.claim(message_key("wamid.x"), "{}")
    with pytest.raises(DBAPIError):  # no broken engine is kept: the next call tries the database again
        store.claim(message_key("wamid.x"), "{}")
    store.url = "sqlite://"  # the database is back
    assert store.claim(message_key("wamid.x"), "{}")

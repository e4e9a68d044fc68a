"""End to end: citizens on WhatsApp talking to the real Rasa and action servers.

Meta is played by signed deliveries in the documented shapes (tests/whatsapp_payloads.py)
and by the Graph API stand-in (tests/graph_api.py), which records what the assistant
sends and answers like Meta, including failures."""
import datetime as dt
import json
import sqlite3
import threading
import time

import pytest
import requests

from channels.common import ONLY_TEXT
from channels.identity import conversation_id
from channels.whatsapp.parsing import Inbound
from channels.whatsapp.store import WhatsAppStore, message_key
from tests.conftest import ARTIFACTS, MODEL, stored_events
from tests.graph_api import (
    TEST_ACCESS_TOKEN,
    TEST_APP_SECRET,
    TEST_PHONE_HASH_KEY,
    TEST_VERIFY_TOKEN,
    channel_env,
)
from tests.whatsapp_payloads import (
    WhatsAppCitizen,
    backdate_claim,
    button_reply,
    delivery,
    image_message,
    list_reply,
    random_phone,
    reply_text,
    sign,
    status,
    text_message,
    wamid,
)

pytestmark = pytest.mark.e2e  # starts the real Rasa and action servers

CITATION = "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."
JAMAICA = "¿Cuántos peruanos fueron repatriados desde Jamaica?"


@pytest.fixture
def webhook(servers):
    return f"{servers.rasa_url}/webhooks/whatsapp/webhook"


@pytest.fixture
def citizen(servers, graph_api, webhook):
    return WhatsAppCitizen(webhook, graph_api, servers.env["TRACKER_STORE_URL"])


def tracker_rows(servers, sender_id):
    """What the tracker store keeps for a conversation: (type_name, data) of each event."""
    with sqlite3.connect(servers.env["TRACKER_STORE_URL"].replace("sqlite:///", "")) as db:
        return db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender_id,)).fetchall()


def user_texts(servers, sender_id):
    return [event["text"] for event in stored_events(servers, sender_id)]


def hashed(phone):
    return conversation_id(TEST_PHONE_HASH_KEY, phone, "wa-")


def test_the_verification_handshake(webhook):
    ok = requests.get(webhook, params={"hub.mode": "subscribe", "hub.verify_token": TEST_VERIFY_TOKEN,
                                       "hub.challenge": "839201"}, timeout=10)
    assert (ok.status_code, ok.text) == (200, "839201")
    wrong = requests.get(webhook, params={"hub.mode": "subscribe", "hub.verify_token": "adivinado",
                                          "hub.challenge": "839201"}, timeout=10)
    assert wrong.status_code == 403 and "839201" not in wrong.text


def test_a_greeting_offers_the_topics_as_a_list_message(citizen):
    [greeting] = citizen.say("hola")
    interactive = greeting["interactive"]
    assert interactive["type"] == "list"
    assert interactive["body"]["text"].startswith("¡Hola! Soy el Asistente Consular")
    rows = interactive["action"]["sections"][0]["rows"]
    assert {"id": "/ask_repatriation", "title": "Repatriaciones"} in rows and len(rows) == 9
    assert greeting["to"] == citizen.phone


def test_a_question_gets_the_cited_fact(citizen):
    text = citizen.reply_text(JAMAICA)
    assert "24 peruanos" in text and CITATION in text


def test_a_list_choice_and_a_button_tap_are_understood(citizen, servers):
    citizen.say("hola")
    repatriation = citizen.reply_text(list_reply(citizen.phone, "/ask_repatriation", "Repatriaciones"))
    assert "repatria" in repatriation.lower() and CITATION in repatriation
    vote = citizen.reply_text(button_reply(citizen.phone, "/ask_vote_abroad", "Voto en el exterior"))
    assert "Tu voto cruza fronteras" in vote
    assert user_texts(servers, hashed(citizen.phone))[-2:] == ["/ask_repatriation", "/ask_vote_abroad"]


@pytest.mark.parametrize("signature", [None, "forged", "other body"])
def test_unsigned_and_forged_deliveries_never_reach_the_assistant(citizen, servers, graph_api, signature):
    body = json.dumps(delivery([text_message(citizen.phone, "hola")])).encode()
    header = {None: None, "forged": sign(body, secret="secreto-adivinado"), "other body": sign(b"{}")}[signature]
    response = citizen.post(body, signature=header)
    assert response.status_code == 403
    assert citizen.say("hola")  # a signed message afterwards is answered...
    assert user_texts(servers, hashed(citizen.phone)) == ["hola"]  # ...and is the only one the assistant saw


@pytest.mark.parametrize("body", [b"{malformado", b"\x00\xffbinario", b"[]"], ids=["json", "binary", "array"])
def test_malformed_json_gets_400(citizen, body):
    response = citizen.post(body)
    assert response.status_code == 400 and response.json()["error"]


def test_the_same_message_delivered_twice_is_answered_once(citizen, servers):
    message = text_message(citizen.phone, JAMAICA)
    assert citizen.send(message).json()["accepted"] == 1
    assert citizen.send(message).json()["duplicates"] == 1
    citizen.wait_answered(message["id"])
    answers = [reply_text(r) for r in citizen.replies()]
    assert citizen.say("gracias")  # everything sent before this reply has been answered
    assert sum("24 peruanos" in a for a in answers) == 1
    assert user_texts(servers, hashed(citizen.phone)) == [JAMAICA, "gracias"]


def test_concurrent_redeliveries_are_answered_once(citizen, servers):
    message = text_message(citizen.phone, "hola")
    threads = [threading.Thread(target=citizen.send, args=(message,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    citizen.wait_answered(message["id"])
    citizen.say("gracias")
    assert user_texts(servers, hashed(citizen.phone)) == ["hola", "gracias"]


def test_a_status_only_delivery_is_skipped(citizen, servers, graph_api):
    response = citizen.post(delivery(statuses=[status(citizen.phone, wamid(), "delivered"),
                                               status(citizen.phone, wamid(), "read")]))
    assert response.status_code == 200 and response.json() == {"accepted": 0, "duplicates": 0, "statuses": 2,
                                                               "ignored": 0}
    assert graph_api.requests_to(citizen.phone) == [] and tracker_rows(servers, hashed(citizen.phone)) == []


def test_an_image_gets_a_polite_reply_that_only_text_is_understood(citizen):
    assert citizen.reply_text(image_message(citizen.phone, caption="mi pasaporte")) == ONLY_TEXT


def test_a_busy_graph_api_is_retried_and_the_citizen_answered_once(citizen, graph_api):
    graph_api.fail_next(citizen.phone, 500)
    citizen.say("hola")
    attempts = graph_api.requests_to(citizen.phone)
    assert [a.status for a in attempts] == [500, 200] and attempts[0].body == attempts[1].body
    assert [reply_text(r)[:31] for r in citizen.replies()] == ["¡Hola! Soy el Asistente Consula"]


def test_a_refused_message_is_not_retried(citizen, graph_api):
    graph_api.fail_next(citizen.phone, 400)
    citizen.say(JAMAICA)
    citizen.say("gracias")  # answered after the refused reply: no retry came in between
    refused = [a for a in graph_api.requests_to(citizen.phone) if a.status == 400]
    assert len(refused) == 1
    assert sum(a.body == refused[0].body for a in graph_api.requests_to(citizen.phone)) == 1


def test_the_tracker_store_never_keeps_the_phone_number(citizen, servers):
    citizen.say("hola")
    citizen.say(JAMAICA)
    citizen.say(list_reply(citizen.phone, "/ask_repatriation", "Repatriaciones"))
    assert len(tracker_rows(servers, hashed(citizen.phone))) > 5
    national = citizen.phone[2:]  # also without the country code
    with sqlite3.connect(servers.env["TRACKER_STORE_URL"].replace("sqlite:///", "")) as db:
        for table in ("events", "whatsapp_messages", "whatsapp_menus"):
            for row in db.execute(f"SELECT * FROM {table}"):  # noqa: S608 (fixed table names)
                assert national not in json.dumps(row, default=str), table


def test_secrets_are_never_logged(citizen):
    log_file = ARTIFACTS / "logs" / "rasa-server.log"
    logged_before = log_file.stat().st_size  # the log is appended to across runs and tests
    citizen.graph.fail_next(citizen.phone, 503, 400)
    citizen.say("hola")
    deadline = time.monotonic() + 10
    while "was not sent" not in log_file.read_bytes()[logged_before:].decode(errors="replace"):
        assert time.monotonic() < deadline, "the refused send was not logged"
        time.sleep(0.1)
    log = log_file.read_text(errors="replace")  # the failed send was logged...
    assert TEST_ACCESS_TOKEN not in log and TEST_APP_SECRET not in log and citizen.phone not in log  # ...safely


# --- a restart -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def before_restart(servers, graph_api, tmp_path_factory):
    """The database a restarted server finds: a copy of the running server's, taken after
    it answered a message, plus a message a stopped server had accepted an hour ago but
    not answered (pending). A copy, so that only the restarted server can see that one."""
    webhook = f"{servers.rasa_url}/webhooks/whatsapp/webhook"
    answered = WhatsAppCitizen(webhook, graph_api, servers.env["TRACKER_STORE_URL"])
    answered_message = text_message(answered.phone, "hola")
    answered.say(answered_message)

    on_disk = tmp_path_factory.mktemp("restart") / "conversations.db"
    with sqlite3.connect(servers.env["TRACKER_STORE_URL"].replace("sqlite:///", "")) as running, \
            sqlite3.connect(on_disk) as copy:
        running.backup(copy)
    db_url = f"sqlite:///{on_disk}"

    stranded_phone = random_phone()
    stranded_message = text_message(stranded_phone, JAMAICA)
    store = WhatsAppStore(db_url)
    key = message_key(stranded_message["id"])
    store.claim(key, Inbound(hashed(stranded_phone), "text", JAMAICA, to=stranded_phone).to_json())
    backdate_claim(store, key)
    store.dispose()
    return db_url, answered.phone, answered_message, stranded_phone, stranded_message


@pytest.fixture(scope="module")
def restarted(servers, graph_api, before_restart):
    """A new Rasa server process on that database: the assistant after a restart."""
    from scripts.serve import Servers, free_port

    db_url = before_restart[0]
    again = Servers(rasa_port=free_port(), action_port=servers.action_port, model=MODEL,
                    log_dir=ARTIFACTS / "logs-restart", env={"TRACKER_STORE_URL": db_url, **channel_env(graph_api)})
    again.start(actions=False)  # the session's action server keeps running
    yield again
    again.stop()


def restarted_citizen(restarted, graph_api, phone):
    return WhatsAppCitizen(f"{restarted.rasa_url}/webhooks/whatsapp/webhook", graph_api,
                           restarted.env["TRACKER_STORE_URL"], phone=phone)


def test_after_a_restart_a_redelivered_message_is_not_answered_again(restarted, before_restart, graph_api):
    _, phone, message, _, _ = before_restart
    citizen = restarted_citizen(restarted, graph_api, phone)
    replies_before = len(citizen.replies())
    assert citizen.send(message).json()["duplicates"] == 1
    assert citizen.reply_text("gracias")  # a new message is answered by the restarted server
    assert len(citizen.replies()) == replies_before + 1


def test_after_a_restart_a_message_accepted_but_not_answered_is_answered(restarted, before_restart, graph_api):
    _, _, _, phone, message = before_restart
    citizen = restarted_citizen(restarted, graph_api, phone)
    citizen.wait_answered(message["id"])
    assert sum("24 peruanos" in reply_text(r) for r in citizen.replies()) == 1
    assert citizen.send(message).json()["duplicates"] == 1  # Meta's redelivery is not answered again


@pytest.fixture
def many_offices_in_japan(servers):
    """A sourced (test) consular directory with 40 offices in Japón, loaded into the running
    assistant's facts store for one test, so that its real answer is over 5,000 characters."""
    from sqlalchemy import delete, select

    from actions.loader import Catalog, OfficeEntry, SourceEntry, load
    from actions.store import ConsularOffice, FactStore, Source

    store = FactStore(servers.env["FACTS_DB_URL"])
    source = SourceEntry(key="directorio-prueba", title="Directorio consular de prueba", issuer="Cancillería",
                         published_on=dt.date(2026, 3, 1))
    offices = [
        OfficeEntry(key=f"office.jp.prueba-{n:02d}", country="Japón", city=f"Ciudad de prueba {n}",
                    name=f"Oficina consular de prueba número {n}", address=f"Avenida de prueba {n}, edificio {n}, piso {n}",
                    phones=[f"+81 0{n:02d} 000 000"], hours="Lunes a viernes, de 9:00 a 13:00", source=source.key)
        for n in range(1, 41)
    ]
    load(store, Catalog(sources=[source], offices=offices))
    yield offices
    with store.session() as session, session.begin():
        source_id = select(Source.id).where(Source.key == source.key).scalar_subquery()
        session.execute(delete(ConsularOffice).where(ConsularOffice.source_id == source_id)
                        .execution_options(synchronize_session=False))
        session.execute(delete(Source).where(Source.key == source.key))
    store.engine.dispose()


def test_a_real_answer_over_5000_characters_arrives_split(citizen, many_offices_in_japan):
    replies = citizen.say("cuales son los telefonos y direcciones de los consulados del peru en japon")
    bodies = [reply_text(r) for r in replies]
    assert len(bodies) >= 2 and all(len(body) <= 4096 for body in bodies)
    whole = "\n".join(bodies)
    assert len(whole) > 5000
    assert "Oficina consular de prueba número 1 (" in whole and "Oficina consular de prueba número 40 (" in whole
    assert whole.rstrip().endswith("Fuente: Directorio consular de prueba, Cancillería, 1 de marzo de 2026.")

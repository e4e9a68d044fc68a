"""The WhatsApp channel over real HTTP, with a scripted assistant instead of Rasa and the
Graph API stand-in (tests/e2e/test_whatsapp.py runs the same channel inside Rasa)."""

import json
import threading

import pytest
import requests

from channels.common import APOLOGY, EMPTY_MESSAGE, ONLY_TEXT
from channels.identity import canonical_address, conversation_id
from channels.whatsapp import WhatsAppInput
from channels.whatsapp.channel import TOO_LONG
from channels.whatsapp.config import WhatsAppConfig
from channels.whatsapp.formatting import NUMBERED_PROMPT
from channels.whatsapp.parsing import parse_delivery, signature_is_valid
from channels.whatsapp.store import WhatsAppStore, message_key
from tests.channel_server import ChannelServer
from tests.graph_api import (
    TEST_ACCESS_TOKEN,
    TEST_APP_SECRET,
    TEST_PHONE_HASH_KEY,
    TEST_PHONE_NUMBER_ID,
    TEST_VERIFY_TOKEN,
)
from tests.whatsapp_payloads import (
    WhatsAppCitizen,
    audio_message,
    backdate_claim,
    button_reply,
    delivery,
    image_message,
    list_reply,
    location_message,
    reaction_message,
    reply_text,
    sign,
    status,
    sticker_message,
    text_message,
    wamid,
)

LONG_REPLY = ("El voto en el extranjero es un derecho de todos los peruanos. " * 80)[:5000]
TOPICS = [{"title": f"Tema número {i}", "payload": f"/tema_{i}"} for i in range(1, 13)]


async def scripted_assistant(message):
    """Answers like the assistant would, through whatever output channel it is given."""
    out, sender = message.output_channel, message.sender_id
    if message.text == "largo":
        await out.send_text_message(sender, LONG_REPLY)
    elif message.text == "temas":
        await out.send_text_with_buttons(sender, "Elija un tema:", TOPICS)
    elif message.text == "sí o no":
        await out.send_text_with_buttons(
            sender, "¿Confirma?", [{"title": "Sí", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
        )
    elif message.text == "silencio":
        return
    else:
        await out.send_text_message(sender, f"Recibí: {message.text}")


def config(**overrides):
    values = dict(
        verify_token=TEST_VERIFY_TOKEN,
        app_secret=TEST_APP_SECRET,
        access_token=TEST_ACCESS_TOKEN,
        phone_number_id=TEST_PHONE_NUMBER_ID,
        phone_hash_key=TEST_PHONE_HASH_KEY,
    )
    values.update(overrides)
    return values


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'conversations.db'}"


@pytest.fixture
def channel(graph_api, db_url):
    return WhatsAppInput(
        WhatsAppConfig.from_credentials(config(api_base_url=graph_api.base_url)), store=WhatsAppStore(db_url)
    )


@pytest.fixture
def server(channel):
    with ChannelServer(channel, scripted_assistant) as running:
        yield running


@pytest.fixture
def citizen(server, graph_api, db_url):
    return WhatsAppCitizen(f"{server.url}/webhook", graph_api, db_url)


# --- pure functions ---------------------------------------------------------------------


def test_the_signature_is_the_hmac_of_the_raw_body():
    body = b'{"object": "whatsapp_business_account"}'
    assert signature_is_valid(TEST_APP_SECRET, body, sign(body))
    assert signature_is_valid(TEST_APP_SECRET, body, sign(body).upper().replace("SHA256=", "sha256="))
    assert not signature_is_valid(TEST_APP_SECRET, body + b" ", sign(body))
    assert not signature_is_valid(TEST_APP_SECRET, body, sign(body, secret="otro-secreto"))
    assert not signature_is_valid(TEST_APP_SECRET, body, sign(body)[len("sha256=") :])
    assert not signature_is_valid(TEST_APP_SECRET, body, None)
    assert not signature_is_valid(TEST_APP_SECRET, body, "sha256=ñandú")
    assert not signature_is_valid("", body, sign(body, secret=""))


def test_the_conversation_id_is_a_keyed_hash_of_the_number():
    phone = "51987654321"
    conversation = conversation_id(TEST_PHONE_HASH_KEY, phone, "wa-")
    assert conversation.startswith("wa-") and len(conversation) == 35 and phone not in conversation
    assert conversation_id(TEST_PHONE_HASH_KEY, "+51 987 654 321", "wa-") == conversation
    assert conversation_id(TEST_PHONE_HASH_KEY, "whatsapp:+51987654321", "wa-") == conversation
    assert conversation_id("otra-clave-de-seudonimos-123456", phone, "wa-") != conversation
    assert conversation_id(TEST_PHONE_HASH_KEY, "51987654322", "wa-") != conversation
    assert canonical_address("PE.13491208655302741918") == "id:PE.13491208655302741918"


def test_a_delivery_is_read_message_by_message():
    phone = "51987654321"
    data = delivery(
        [
            text_message(phone, "¡Hola!"),
            button_reply(phone, "/ask_vote_abroad", "Voto"),
            list_reply(phone, "/ask_culture", "Cultura"),
            image_message(phone),
            reaction_message(phone, wamid()),
        ],
        statuses=[status(phone, wamid())],
    )
    read = parse_delivery(data, TEST_PHONE_NUMBER_ID, TEST_PHONE_HASH_KEY)
    assert [(m.kind, m.text) for _, m in read.messages] == [
        ("text", "¡Hola!"),
        ("text", "/ask_vote_abroad"),
        ("text", "/ask_culture"),
        ("unsupported", ""),
    ]
    assert (read.statuses, read.ignored) == (1, 1)  # the reaction is not answered
    assert {m.to for _, m in read.messages} == {phone}
    assert all(phone not in m.conversation_id for _, m in read.messages)


def test_a_citizen_known_only_by_business_scoped_id_is_answered_through_it():
    message = text_message("", "hola", user_id="PE.13491208655302741918")
    del message["from"]
    data = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "metadata": {"phone_number_id": TEST_PHONE_NUMBER_ID},
                            "contacts": [
                                {"profile": {"name": "X", "username": "@x"}, "user_id": "PE.13491208655302741918"}
                            ],
                            "messages": [message],
                        },
                    }
                ],
            }
        ],
    }
    [(_, inbound)] = parse_delivery(data, TEST_PHONE_NUMBER_ID, TEST_PHONE_HASH_KEY).messages
    assert (inbound.to, inbound.recipient) == (None, "PE.13491208655302741918")


@pytest.mark.parametrize(
    "data, kinds",
    [
        ({}, []),
        ({"object": "page"}, []),
        ({"entry": "x"}, []),
        ({"entry": [1, None, "x"]}, []),
        ({"entry": [{"changes": [{"value": []}]}]}, []),
        ({"entry": [{"changes": [{"field": "messages", "value": {"messages": [{"type": "text"}]}}]}]}, []),
        ({"entry": [{"changes": [{"field": "messages", "value": {"messages": [{"id": "w", "type": "text"}]}}]}]}, []),
        (
            {
                "entry": [
                    {
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "messages": [{"id": "w", "from": "51", "type": "text", "text": "no es un objeto"}]
                                },
                            }
                        ]
                    }
                ]
            },
            ["empty"],
        ),
    ],
)
def test_odd_deliveries_are_skipped_without_error(data, kinds):
    read = parse_delivery(data, TEST_PHONE_NUMBER_ID, TEST_PHONE_HASH_KEY)
    assert all(m.kind != "text" or m.text for _, m in read.messages)
    assert [m.kind for _, m in read.messages] == kinds


def test_messages_to_another_business_number_are_not_answered():
    data = delivery([text_message("51987654321", "hola")], phone_number_id="999999999")
    read = parse_delivery(data, TEST_PHONE_NUMBER_ID, TEST_PHONE_HASH_KEY)
    assert read.messages == [] and read.ignored == 1


# --- over HTTP ------------------------------------------------------------------------


def test_the_verification_handshake(server):
    url = f"{server.url}/webhook"
    ok = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": TEST_VERIFY_TOKEN, "hub.challenge": "1158201444"},
        timeout=10,
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "otro", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": TEST_VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {},
    ):
        assert requests.get(url, params=params, timeout=10).status_code == 403


def test_a_text_is_answered_in_the_background(server, citizen):
    replies = citizen.say("¿Cuántos peruanos votan en el extranjero?")
    assert [reply_text(r) for r in replies] == ["Recibí: ¿Cuántos peruanos votan en el extranjero?"]
    [heard] = server.heard
    assert heard.sender_id == conversation_id(TEST_PHONE_HASH_KEY, citizen.phone, "wa-")
    assert heard.input_channel == "whatsapp" and heard.metadata is None
    assert replies[0]["to"] == citizen.phone


@pytest.mark.parametrize(
    "signature", [None, "sha256=" + "0" * 64, sign(b"otro cuerpo"), "signed-with-another-secret", "md5=abc", "ñ"]
)
def test_unsigned_or_forged_deliveries_are_rejected(server, citizen, signature):
    message = text_message(citizen.phone, "hola")
    body = json.dumps(delivery([message])).encode()
    if signature == "signed-with-another-secret":  # the right body, the wrong secret
        signature = sign(body, secret="secreto-falso")
    response = citizen.post(body, signature=signature)
    assert response.status_code == 403 and response.json()["error"]
    assert server.heard == [] and not citizen.store.state(message_key(message["id"]))


@pytest.mark.parametrize(
    "body, status",
    [
        (b"{no es json", 400),
        (b"\xff\xfe\x00binario", 400),
        (b"", 400),
        (b"[1, 2, 3]", 400),
        (b'"texto"', 400),
        (b"{" + b" " * (3 * 1024 * 1024) + b"}", 413),
    ],
    ids=["not-json", "binary", "empty", "array", "string", "huge"],
)
def test_malformed_bodies_get_a_clear_error(server, citizen, body, status):
    response = citizen.post(body)
    assert response.status_code == status and response.json()["error"]
    assert citizen.reply_text("hola") == "Recibí: hola"  # and the channel keeps working


def test_a_status_only_delivery_is_acknowledged_and_not_answered(server, citizen):
    response = citizen.post(delivery(statuses=[status(citizen.phone, wamid(), "read")]))
    assert response.status_code == 200 and response.json()["statuses"] == 1
    assert citizen.say("hola")  # the next message is answered...
    assert len(server.heard) == 1  # ...and the status never reached the assistant


def test_the_same_message_delivered_twice_is_answered_once(server, citizen):
    message = text_message(citizen.phone, "repetido")
    first, second = citizen.send(message), citizen.send(message)
    assert (first.json()["accepted"], second.json()["duplicates"]) == (1, 1)
    citizen.wait_answered(message["id"])
    assert citizen.reply_text("siguiente") == "Recibí: siguiente"
    assert [reply_text(r) for r in citizen.replies()] == ["Recibí: repetido", "Recibí: siguiente"]


def test_concurrent_redeliveries_are_answered_once(server, citizen):
    message = text_message(citizen.phone, "a la vez")
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(citizen.send(message).json())) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(a["accepted"] for a in answers) == [0, 0, 0, 0, 1]
    citizen.wait_answered(message["id"])
    assert citizen.reply_text("después") == "Recibí: después"
    assert [h.text for h in server.heard] == ["a la vez", "después"]


def test_several_messages_in_one_delivery_are_answered_in_order(server, citizen):
    messages = [text_message(citizen.phone, f"mensaje {i}") for i in range(1, 4)]
    assert citizen.send(*messages).json()["accepted"] == 3
    citizen.wait_answered(*[m["id"] for m in messages])
    assert [reply_text(r) for r in citizen.replies()] == ["Recibí: mensaje 1", "Recibí: mensaje 2", "Recibí: mensaje 3"]


@pytest.mark.parametrize("make", [image_message, audio_message, location_message, sticker_message])
def test_unsupported_types_get_a_polite_spanish_reply(server, citizen, make):
    assert citizen.reply_text(make(citizen.phone)) == ONLY_TEXT
    assert server.heard == []


def test_empty_and_too_long_texts_get_a_polite_reply(server, citizen):
    assert citizen.reply_text("   ") == EMPTY_MESSAGE
    assert citizen.reply_text("a" * 4097) == TOO_LONG
    assert server.heard == []


def test_a_5000_character_reply_is_split(server, citizen):
    replies = citizen.say("largo")
    assert len(replies) == 2 and all(len(r["text"]["body"]) <= 4096 for r in replies)
    assert " ".join(r["text"]["body"] for r in replies).split() == LONG_REPLY.split()


def test_a_button_tap_reaches_the_assistant_as_the_payload(server, citizen):
    [buttons] = citizen.say("sí o no")
    assert buttons["interactive"]["type"] == "button"
    tapped = buttons["interactive"]["action"]["buttons"][0]["reply"]
    assert citizen.reply_text(button_reply(citizen.phone, tapped["id"], tapped["title"])) == "Recibí: /affirm"


def test_a_numbered_menu_is_answered_with_a_number(server, citizen):
    [menu] = citizen.say("temas")
    assert "12. Tema número 12" in menu["text"]["body"] and menu["text"]["body"].endswith(NUMBERED_PROMPT)
    assert citizen.reply_text("3") == "Recibí: /tema_3"
    assert citizen.reply_text("3") == "Recibí: 3"  # the menu answered only the next message


def test_silence_becomes_an_apology(server, citizen):
    assert citizen.reply_text("silencio") == APOLOGY


def test_an_interactive_message_meta_refuses_falls_back_to_numbered_text(server, citizen, graph_api):
    graph_api.fail_next(citizen.phone, 400)
    citizen.say("sí o no")
    statuses = [(r.status, r.body["type"]) for r in graph_api.requests_to(citizen.phone)]
    assert statuses == [(400, "interactive"), (200, "text")]
    assert citizen.replies()[0]["text"]["body"].startswith("¿Confirma?\n\n1. Sí\n2. No")
    assert citizen.reply_text("2") == "Recibí: /deny"


def test_a_message_accepted_before_a_crash_is_answered_after_the_restart(server, citizen, channel):
    message = text_message(citizen.phone, "aceptado antes de caer")
    # what a process that stopped right after answering 200 leaves behind
    inbound = parse_delivery(delivery([message]), TEST_PHONE_NUMBER_ID, TEST_PHONE_HASH_KEY).messages[0][1]
    key = message_key(message["id"])
    assert channel.store.claim(key, inbound.to_json())
    backdate_claim(channel.store, key)
    # the restarted channel's housekeeping may get there first; either way it is answered once
    assert server.run(channel.recover(server.on_new_message)) in (0, 1)
    citizen.wait_answered(message["id"])
    assert server.run(channel.recover(server.on_new_message)) == 0
    assert [reply_text(r) for r in citizen.replies()] == ["Recibí: aceptado antes de caer"]
    assert citizen.send(message).json()["duplicates"] == 1  # and Meta's redelivery is not answered again


def test_the_database_down_asks_meta_to_redeliver(graph_api):
    broken = WhatsAppInput(
        WhatsAppConfig.from_credentials(config(api_base_url=graph_api.base_url)),
        store=WhatsAppStore("postgresql://nadie@127.0.0.1:1/nada"),
    )
    with ChannelServer(broken, scripted_assistant) as server:
        citizen = WhatsAppCitizen(f"{server.url}/webhook", graph_api, "sqlite://")
        response = citizen.send(text_message(citizen.phone, "hola"))
        assert response.status_code == 500 and server.heard == []


@pytest.mark.parametrize("missing", ["app_secret", "access_token", "phone_number_id", "phone_hash_key"])
def test_an_unconfigured_channel_refuses_with_503(graph_api, db_url, missing):
    values = config(api_base_url=graph_api.base_url, **{missing: ""})
    unconfigured = WhatsAppInput(WhatsAppConfig.from_credentials(values), store=WhatsAppStore(db_url))
    with ChannelServer(unconfigured, scripted_assistant) as server:
        citizen = WhatsAppCitizen(f"{server.url}/webhook", graph_api, db_url)
        assert citizen.send(text_message(citizen.phone, "hola")).status_code == 503
        assert requests.get(f"{server.url}/", timeout=10).json()["status"] == "sin configurar"
        assert server.heard == []


def test_a_short_hash_key_is_refused(graph_api, db_url):
    weak = WhatsAppConfig.from_credentials(config(phone_hash_key="corta"))
    assert any("PHONE_HASH_KEY" in p for p in weak.problems())


def test_no_verify_token_means_no_handshake(graph_api, db_url):
    unconfigured = WhatsAppInput(WhatsAppConfig.from_credentials(config(verify_token="")), store=WhatsAppStore(db_url))
    with ChannelServer(unconfigured, scripted_assistant) as server:
        response = requests.get(
            f"{server.url}/webhook",
            params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
            timeout=10,
        )
        assert response.status_code == 503


def test_the_credentials_tolerate_missing_and_empty_values():
    assert WhatsAppConfig.from_credentials(None).problems()
    assert WhatsAppConfig.from_credentials({"app_secret": None, "api_base_url": ""}).api_base_url.startswith("https://")


def test_a_pending_message_reads_back_as_it_was_stored():
    from channels.whatsapp.parsing import Inbound, Kind

    stored = '{"conversation_id": "wa-1", "kind": "too_long", "text": "", "to": "51987654321", "recipient": null}'
    inbound = Inbound.from_json(stored)  # as an earlier version of the channel wrote it
    assert inbound == Inbound("wa-1", Kind.TOO_LONG, "", to="51987654321")
    assert Inbound.from_json(inbound.to_json()) == inbound
    with pytest.raises(ValueError):
        Inbound.from_json(stored.replace("too_long", "desconocido"))

"""End to end: a citizen on WhatsApp through Twilio, talking to the real servers."""
import sqlite3
import xml.etree.ElementTree as ElementTree

import pytest
import requests
from twilio.request_validator import RequestValidator

from channels.identity import conversation_id
from tests.conftest import stored_events
from tests.graph_api import TEST_PHONE_HASH_KEY, TEST_TWILIO_AUTH_TOKEN
from tests.whatsapp_payloads import random_phone

pytestmark = pytest.mark.e2e  # starts the real Rasa and action servers


def twilio_form(phone, body):
    return {"MessageSid": "SM" + "0" * 32, "AccountSid": "AC" + "1" * 32, "From": f"whatsapp:+{phone}",
            "To": "whatsapp:+14155238886", "Body": body, "NumMedia": "0", "WaId": phone}


def post(url, params, token=TEST_TWILIO_AUTH_TOKEN):
    signature = RequestValidator(token).compute_signature(url, params)
    return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)


def test_a_signed_message_is_answered_with_its_spanish_intact(servers):
    url = f"{servers.rasa_url}/webhooks/twilio/webhook"
    phone = random_phone()
    response = post(url, twilio_form(phone, "¡Hola!"))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    [reply] = [m.text for m in ElementTree.fromstring(response.text).iter("Message")]
    assert reply.startswith("¡Hola! Soy el Asistente Consular") and "• Repatriaciones" in reply

    sender = conversation_id(TEST_PHONE_HASH_KEY, phone, "tw-")
    [user] = stored_events(servers, sender)
    assert user["text"] == "¡Hola!" and user["input_channel"] == "twilio"  # not "@Hola!"
    assert user["parse_data"]["intent"]["name"] == "greet"


def test_a_bad_signature_is_rejected_before_the_assistant(servers):
    url = f"{servers.rasa_url}/webhooks/twilio/webhook"
    phone = random_phone()
    forged = post(url, twilio_form(phone, "¡Hola!"), token="token-adivinado")
    unsigned = requests.post(url, data=twilio_form(phone, "¡Hola!"), timeout=30)
    assert (forged.status_code, unsigned.status_code) == (403, 403)
    with sqlite3.connect(servers.env["TRACKER_STORE_URL"].replace("sqlite:///", "")) as db:
        sender = conversation_id(TEST_PHONE_HASH_KEY, phone, "tw-")
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone() == (0,)

"""The fixed Twilio channel over real HTTP, with a scripted assistant instead of Rasa."""

import xml.etree.ElementTree as ElementTree

import pytest
import requests
from twilio.request_validator import RequestValidator

from channels.common import EMPTY_MESSAGE, ONLY_TEXT
from channels.identity import conversation_id
from channels.twilio import OPTIONS_PROMPT, TwilioConfig, TwilioInput
from tests.channel_server import ChannelServer
from tests.graph_api import TEST_PHONE_HASH_KEY, TEST_TWILIO_AUTH_TOKEN

SENDER = "whatsapp:+51987654321"


async def scripted_assistant(message):
    out, sender = message.output_channel, message.sender_id
    if message.text == "largo":
        await out.send_text_message(sender, "Información consular. " * 200)
    elif message.text == "temas":
        await out.send_text_with_buttons(
            sender,
            "¿Qué tema le interesa?",
            [
                {"title": "Voto en el exterior", "payload": "/ask_vote_abroad"},
                {"title": "Repatriaciones", "payload": "/ask_repatriation"},
            ],
        )
    else:
        await out.send_text_message(sender, f"¡Hola! Recibí: «{message.text}»\n\n¿Algo más?")


def form(body="¡Hola!", **extra):
    return {
        "SmsMessageSid": "SM0123456789abcdef0123456789abcdef",
        "MessageSid": "SM0123456789abcdef0123456789abcdef",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": SENDER,
        "To": "whatsapp:+14155238886",
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Ciudadana",
        "WaId": "51987654321",
        **extra,
    }


def post(url, params, signed_url=None, token=TEST_TWILIO_AUTH_TOKEN, signature=None):
    headers = {}
    if signature is None:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(signed_url or url, params)
    elif signature:
        headers["X-Twilio-Signature"] = signature
    return requests.post(url, data=params, headers=headers, timeout=30)


def messages(response):
    assert response.headers["Content-Type"].startswith("text/xml")
    return [m.text for m in ElementTree.fromstring(response.text).iter("Message")]


@pytest.fixture
def server():
    channel = TwilioInput(TwilioConfig(TEST_TWILIO_AUTH_TOKEN, "", TEST_PHONE_HASH_KEY))
    with ChannelServer(channel, scripted_assistant) as running:
        yield running


def test_a_signed_message_is_answered_with_spanish_text_intact(server):
    response = post(f"{server.url}/webhook", form("¡Hola! ¿Qué tal?"))
    assert response.status_code == 200
    assert messages(response) == ["¡Hola! Recibí: «¡Hola! ¿Qué tal?»\n\n¿Algo más?"]
    [heard] = server.heard
    assert heard.text == "¡Hola! ¿Qué tal?"  # Rasa's channel would have passed "@Hola! ¿Qué tal?"
    assert heard.sender_id == conversation_id(TEST_PHONE_HASH_KEY, SENDER, "tw-")
    assert "987654321" not in heard.sender_id and heard.input_channel == "twilio" and heard.metadata is None


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "forged-with-another-token"])
def test_a_bad_signature_is_rejected(server, signature):
    url = f"{server.url}/webhook"
    if signature == "forged-with-another-token":
        signature = RequestValidator("otro-token").compute_signature(url, form())
    response = post(url, form(), signature=signature)
    assert response.status_code == 403 and response.json()["error"]
    assert server.heard == []


def test_a_signature_for_other_content_is_rejected(server):
    url = f"{server.url}/webhook"
    signature = RequestValidator(TEST_TWILIO_AUTH_TOKEN).compute_signature(url, form("hola"))
    assert post(url, form("¿y mi pasaporte?"), signature=signature).status_code == 403
    assert server.heard == []


def test_media_and_empty_messages_get_a_polite_reply(server):
    url = f"{server.url}/webhook"
    assert messages(
        post(url, form("", NumMedia="1", MediaUrl0="https://api.twilio.com/x.jpg", MediaContentType0="image/jpeg"))
    ) == [ONLY_TEXT]
    assert messages(post(url, form("", Latitude="-12.04", Longitude="-77.04"))) == [ONLY_TEXT]
    assert messages(post(url, form("   "))) == [EMPTY_MESSAGE]
    assert server.heard == []


def test_long_replies_are_split_at_twilios_limit_and_buttons_listed(server):
    url = f"{server.url}/webhook"
    long = messages(post(url, form("largo")))
    assert len(long) == 3 and all(len(m) <= 1600 for m in long)
    [topics] = messages(post(url, form("temas")))
    assert topics == f"¿Qué tema le interesa?\n\n• Voto en el exterior\n• Repatriaciones\n\n{OPTIONS_PROMPT}"


def test_the_public_url_is_the_one_validated_behind_a_proxy():
    public = "https://consulado.example.gob.pe/webhooks/twilio/webhook"
    channel = TwilioInput(TwilioConfig(TEST_TWILIO_AUTH_TOKEN, public, TEST_PHONE_HASH_KEY))
    with ChannelServer(channel, scripted_assistant) as server:
        local = f"{server.url}/webhook"
        assert post(local, form(), signed_url=public).status_code == 200
        assert post(local, form(), signed_url=local).status_code == 403


@pytest.mark.parametrize(
    "config", [TwilioConfig("", "", TEST_PHONE_HASH_KEY), TwilioConfig(TEST_TWILIO_AUTH_TOKEN, "", "")]
)
def test_an_unconfigured_channel_refuses_with_503(config):
    with ChannelServer(TwilioInput(config), scripted_assistant) as server:
        assert post(f"{server.url}/webhook", form()).status_code == 503
        assert server.heard == []


def test_a_request_without_sender_is_refused(server):
    params = form()
    del params["From"]
    assert post(f"{server.url}/webhook", params).status_code == 400


def test_an_oversized_request_is_refused_before_its_signature_is_checked(server):
    response = post(f"{server.url}/webhook", form("x" * (TwilioInput.MAX_BODY_BYTES + 1)))
    assert response.status_code == 413 and response.json()["error"]
    assert server.heard == []


def test_the_health_check_says_whether_the_channel_is_configured(server):
    assert requests.get(f"{server.url}/", timeout=10).json() == {"status": "ok"}
    with ChannelServer(TwilioInput(TwilioConfig("", "", "")), scripted_assistant) as unconfigured:
        assert requests.get(f"{unconfigured.url}/", timeout=10).json() == {"status": "sin configurar"}

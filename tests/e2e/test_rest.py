"""End to end: the real action server and Rasa server, a citizen chatting over REST."""
import json

import pytest
import requests

from tests.conftest import Conversation, stored_events

pytestmark = pytest.mark.e2e  # starts the real Rasa and action servers

CITATION = "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."


def test_greeting_offers_topics_and_a_privacy_notice(conversation):
    [reply] = conversation.say("hola buenas")
    assert reply["text"].startswith("¡Hola! Soy el Asistente Consular")
    assert "no comparta su número de DNI" in reply["text"]
    assert {"title": "Repatriaciones", "payload": "/ask_repatriation"} in reply["buttons"]


def test_jamaica_repatriation_answers_24_with_source(conversation):
    text = conversation.reply_text("¿Cuántos peruanos fueron repatriados desde Jamaica?")
    assert text.startswith("Fueron 24 peruanos") and CITATION in text and "72" not in text


def test_bolivia_repatriation_answers_72(conversation):
    text = conversation.reply_text("cuantos compatriotas regresaron de bolivia x los bloqueos")
    assert "72 peruanos" in text and CITATION in text


def test_stranded_then_follow_up_stays_in_bolivia(conversation):
    first = conversation.reply_text("estoy varado en Bolivia")
    assert "consulado del Perú más cercano" in first
    follow_up = conversation.reply_text("¿a cuántos peruanos ayudaron ahí?")
    assert "72 peruanos" in follow_up and "24" not in follow_up


def test_country_follow_up_switches_to_bolivia(conversation):
    jamaica = conversation.reply_text("¿qué hizo la cancillería en Jamaica?")
    assert "24 peruanos" in jamaica
    bolivia = conversation.reply_text("¿y en Bolivia?")
    assert "72 peruanos" in bolivia and "Jamaica" not in bolivia


def test_passport_fee_gets_the_honest_reply_without_numbers(conversation):
    text = conversation.reply_text("cuanto cuesta renovar mi pasaporte en el consulado de madrid?")
    assert text.startswith("No tengo esa información confirmada")
    assert "https://www.gob.pe/rree" in text
    assert not any(ch.isdigit() for ch in text)


def test_gibberish_gets_the_fallback_with_topics(conversation):
    [reply] = conversation.say("asdkjh qwpoeiru zxmnv")
    assert reply["text"].startswith("Disculpe, no logré entender su mensaje.")
    assert len(reply["buttons"]) >= 5


@pytest.mark.parametrize(
    "message, expected",
    [
        # phrasings the training data does not contain, one per paragraph of the note
        ("oe y lo de la oea con las elecciones q fue", "Misión de Observación Electoral"),
        ("mi tio vive en italia, q campaña hay para q voten los q estan afuera", "Tu voto cruza fronteras"),
        ("de que hablaron el canciller y el secretario de estado gringo", "cooperación estratégica bilateral"),
        ("que pasa en el puerto de chancay con los contenedores", "Unidad de Control Conjunto"),
        ("que se firmo en el gabinete binacional con ecuador", "Declaración de Quito"),
        ("que se hizo con chile por los migrantes que cruzan por tacna", "Comité Binacional de Cooperación Migratoria"),
        ("que planteo el peru sobre el asilo en la oea", "asilo diplomático"),
        ("la reunion del panel de cambio climatico fue en peru?", "63.ª Sesión Plenaria"),
        ("cuantas piezas del patrimonio devolvio estados unidos", "347 bienes"),
        ("donde fue el congreso internacional de la lengua española", "Arequipa"),
        ("el canciller fue a loreto o a huancavelica?", "Huancavelica"),
        ("q logros tuvo cancilleria en sus primeros 100 dias", "primeros cien días"),
        ("cuanta ayuda mandaron a jamaica despues del huracan", "dos toneladas"),
    ],
)
def test_unseen_phrasings_get_the_right_cited_fact(conversation, message, expected):
    text = conversation.reply_text(message)
    assert expected in text and CITATION in text


def test_conversations_are_stored_for_staff_review(servers):
    chat = Conversation(servers.rasa_url)
    chat.say("repatriaciones de jamaica")
    user = stored_events(servers, chat.sender)
    bots = stored_events(servers, chat.sender, kind="bot")
    assert user[0]["text"] == "repatriaciones de jamaica" and user[0]["parse_data"]["intent"]["name"] == "ask_repatriation"
    assert any("24 peruanos" in (b.get("text") or "") for b in bots)


@pytest.mark.parametrize(
    "body, status",
    [
        (b"{not json", 400),
        (b"\xff\xfe\x00\x01binary", 400),
        (b"", 400),
        (json.dumps({"sender": "x"}).encode(), 400),  # no message
        (json.dumps({"message": "hola"}).encode(), 400),  # no sender: not merged into a shared conversation
        (json.dumps([1, 2, 3]).encode(), 400),
        (json.dumps({"sender": "x", "message": "a" * 20000}).encode(), 413),
    ],
)
def test_malformed_requests_get_a_clear_error(servers, body, status):
    response = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == status
    assert response.json()["error"]  # a Spanish explanation
    # and the assistant still answers the next citizen
    assert "24 peruanos" in Conversation(servers.rasa_url).reply_text("repatriados de jamaica")


def test_empty_long_and_hostile_messages_get_a_polite_reply(conversation):
    [empty] = conversation.say("   ")
    assert empty["text"] == "No recibí ningún texto. Por favor, escriba su consulta."
    for message in ["a" * 4000, "'; DROP TABLE events; --", "<script>alert(1)</script>", "🙂🙂🙂", "\u0000\u202e"]:
        replies = conversation.say(message)
        assert replies and all(r.get("text") for r in replies), message
    assert "24 peruanos" in conversation.reply_text("cuantos repatriados de jamaica")


@pytest.fixture(scope="module")
def rasa_without_action_server(tmp_path_factory):
    """A Rasa server whose action server is down (its port is closed)."""
    from scripts.serve import Servers, free_port
    from tests.conftest import ARTIFACTS, MODEL

    workdir = tmp_path_factory.mktemp("no-actions")
    dead = Servers(rasa_port=free_port(), action_port=free_port(), model=MODEL, log_dir=ARTIFACTS / "logs-no-actions",
                   env={"TRACKER_STORE_URL": f"sqlite:///{workdir / 'c.db'}"})
    dead.start(actions=False)
    yield dead
    dead.stop()


def test_a_citizen_gets_an_apology_when_the_action_server_is_down(rasa_without_action_server):
    chat = Conversation(rasa_without_action_server.rasa_url)
    assert chat.say("hola")[0]["text"].startswith("¡Hola!")  # responses need no action server
    [reply] = chat.say("cuantos peruanos repatriaron de jamaica")
    assert reply["text"].startswith("Disculpe, en este momento no puedo responderle")

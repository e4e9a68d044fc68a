"""End to end: questions answered from the facts' claims, one conversation per category of the
conversation set, over REST against the real action and Rasa servers; and the outcome every
bot message carries in the tracker store."""

import re

import pytest

from actions.outcomes import outcome_of
from tests.conftest import Conversation, stored_events

CITATION = "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+|\n", text.strip(), maxsplit=1)[0]


def test_specific_fact_in_the_first_sentence(conversation):
    text = conversation.reply_text("oe cuantas toneladas de ayuda mandaron a jamaica??")
    assert "dos toneladas" in first_sentence(text) and CITATION in text
    assert "24 peruanos" not in text  # the fact asked for, not the paragraph


def test_attribute_follow_ups_keep_the_last_fact(conversation):
    assert "347" in conversation.reply_text("cuantos bienes del patrimonio regresaron al peru")
    assert "Estados Unidos" in first_sentence(conversation.reply_text("y de donde los trajeron"))
    assert "Ministerio de Cultura" in first_sentence(conversation.reply_text("a quien se los entregaron"))


def test_entity_follow_up_asks_the_same_about_another_country(conversation):
    assert "24" in first_sentence(conversation.reply_text("cuantos peruanos volvieron de jamaica"))
    bolivia = conversation.reply_text("¿y de Bolivia?")
    assert "72" in first_sentence(bolivia) and "24" not in bolivia
    argentina = conversation.reply_text("y de argentina?")
    assert first_sentence(argentina).startswith("No tengo información confirmada") and "Argentina" in argentina


def test_aggregates_totals_counts_and_membership(conversation, servers):
    total = conversation.reply_text("cuantos peruanos repatriaron en total")
    assert first_sentence(total) == "96 peruanos en total: 24 desde Jamaica y 72 desde Bolivia."
    assert first_sentence(conversation.reply_text("con cuantos paises se coordino en seguridad")).startswith(
        "La Cancillería coordinó con cinco países: Alemania"
    )
    chat = Conversation(servers.rasa_url)
    assert first_sentence(chat.reply_text("la cancilleria fue a piura?")).startswith("Sí")
    cusco = chat.reply_text("y a cusco?")
    assert cusco.startswith("La nota no menciona a Cusco") and "Huancavelica" in cusco


def test_missing_detail_is_named_with_the_official_channel(conversation):
    text = conversation.reply_text("en q aerolinea regresaron los de jamaica?")
    assert "la nota no indica en qué aerolinea regresaron" in first_sentence(text)
    assert "https://www.gob.pe/rree" in text and "24" not in text


def test_false_premise_is_corrected_first(conversation):
    text = conversation.reply_text("escuche q de bolivia trajeron a 500 peruanos")
    assert first_sentence(text) == "No: según la nota fueron 72 peruanos, no 500."
    place = conversation.reply_text("el congreso de la lengua fue en cusco no?")
    assert place.startswith("No.") and "Arequipa" in place


def test_two_questions_in_one_message_in_order(conversation):
    text = conversation.reply_text(
        "con quien se reunio el canciller en washington y cuantas reuniones bilaterales hubo?"
    )
    assert "Marco Rubio" in text and "15 reuniones" in text
    assert text.index("Marco Rubio") < text.index("15 reuniones")


def test_questions_about_the_source(conversation):
    assert conversation.reply_text("de q fecha es la nota de prensa?").startswith(
        "La Nota de Prensa 9-26 es del 18 de enero de 2026."
    )
    assert "9-26" in conversation.reply_text("y de donde sacas esa informacion")


@pytest.mark.parametrize(
    "message, expected",
    [("ok", "¿Le ayudo en algo más?"), ("👍", "¿Le ayudo en algo más?"), ("listo", "¿Le ayudo en algo más?")],
)
def test_acknowledgements_get_a_brief_reply(servers, message, expected):
    [reply] = Conversation(servers.rasa_url).say(message)
    assert expected in reply["text"] and len(reply["text"].split()) <= 10 and "buttons" not in reply


def test_an_insult_gets_a_calm_reply_and_the_official_channel(servers):
    text = Conversation(servers.rasa_url).reply_text("eres un inutil no sirves para nada")
    assert text.startswith("Lamento") and "https://www.gob.pe/rree" in text and "cien días" not in text


def test_out_of_scope_and_fees_stay_honest(conversation):
    fee = conversation.reply_text("cuanto cuesta la visa para canada")
    assert fee.startswith("No tengo esa información confirmada") and not re.search(r"\d", fee)
    assert "fuera de lo que puedo responder" in conversation.reply_text("quien gano el partido de ayer")


def test_past_elections_are_not_announced(conversation):
    text = conversation.reply_text("cuando son las elecciones generales??")
    assert "abril de 2026" in text and "ya pasó" in text and "están previstas" not in text


def test_every_bot_message_is_stored_with_its_outcome(servers):
    chat = Conversation(servers.rasa_url)
    for message in [
        "hola",
        "cuantos peruanos trajeron de bolivia",
        "en q aerolinea volvieron",
        "me dijeron que fueron 500",
        "ok",
        "asdkjh qwpoeiru",
        "cuanto cuesta el pasaporte",
    ]:
        chat.say(message)
    outcomes = [outcome_of(event) for event in stored_events(servers, chat.sender, kind="bot")]
    assert outcomes == [
        "greeting",
        "answered",
        "missing_detail",
        "correction",
        "acknowledgement",
        "fallback",
        "no_information",
    ]

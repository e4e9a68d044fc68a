"""The answering engine over the real facts of data/facts/ and the real sentence encoder:
claim selection, totals and counts, premise checks, missing details, follow-ups."""

import datetime as dt

import pytest

from actions import embeddings, outcomes
from actions.answering import Engine, State
from actions.loader import load_dir
from actions.store import FactStore
from settings import DEFAULT_FACTS_DIR

CITATION = "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."
TODAY = dt.date(2026, 12, 2)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    store = FactStore(f"sqlite:///{tmp_path_factory.mktemp('facts') / 'facts.db'}")
    load_dir(store, DEFAULT_FACTS_DIR)
    return Engine(store.facts(), embeddings.load(), on=TODAY)


def chat(engine, *messages, topic=None):
    """Replies (text, outcome) to each message of one conversation."""
    state, turns = State(), []
    for message in messages:
        result = engine.respond(message, topic, state)
        state = result.state
        turns.append([(r.text or "", r.outcome) for r in result.replies])
    return turns


def first_sentence(text):
    return text.split("\n\n")[0]


@pytest.mark.parametrize(
    "question, expected",
    [
        ("¿Cuántos peruanos fueron repatriados desde Jamaica?", "24 peruanos"),
        ("cuantos compatriotas volvieron de bolivia x los bloqueos", "72 peruanos"),
        (
            "¿Con cuántos países coordinó temas de seguridad?",
            "cinco países: Alemania, Países Bajos, Finlandia, Canadá y El Salvador",
        ),
        ("cuantas reuniones bilaterales hubo", "15 reuniones bilaterales"),
        ("con quien se reunio el canciller en washington", "Marco Rubio"),
        ("¿Dónde se hizo el congreso de la lengua?", "Arequipa"),
        ("que se firmo con ecuador", "la Declaración de Quito y el Plan de Acción 2025–2026"),
        ("a quien le entregaron los bienes del patrimonio", "Ministerio de Cultura"),
        ("que edicion del congreso de la lengua fue", "X (décimo)"),
        ("cuanta ayuda humanitaria se envio a jamaica", "más de dos toneladas"),
        ("en que ciudad fueron las reuniones con chile", "Tacna"),
        ("como se llama la campaña para votar desde el extranjero", "«Tu voto cruza fronteras»"),
    ],
)
def test_the_first_sentence_answers_what_was_asked(engine, question, expected):
    [[(text, outcome)]] = chat(engine, question)
    assert outcome == outcomes.ANSWERED
    assert expected in first_sentence(text) and text.endswith(CITATION)
    assert len(first_sentence(text)) < 200  # the fact, not the topic's paragraph


def test_a_total_shows_its_parts(engine):
    [[(text, outcome)]] = chat(engine, "cuantos peruanos repatriaron en total")
    assert first_sentence(text) == "96 peruanos en total: 24 desde Jamaica y 72 desde Bolivia."
    assert outcome == outcomes.ANSWERED and text.endswith(CITATION)


def test_yes_no_membership_in_a_list(engine):
    [[(yes, yes_outcome)]] = chat(engine, "¿la cancillería visitó Piura?")
    assert yes.startswith("Sí.") and "Piura" in yes and yes_outcome == outcomes.ANSWERED
    [[(no, no_outcome)]] = chat(engine, "¿la cancillería visitó Cusco?")
    assert no.startswith("La nota no menciona a Cusco") and "Huancavelica" in no
    assert no_outcome == outcomes.MISSING_DETAIL


def test_a_false_number_is_corrected_then_answered(engine):
    [[(text, outcome)]] = chat(engine, "Me dijeron que trajeron a 500 peruanos de Bolivia")
    assert text.startswith("No: según la nota fueron 72 peruanos, no 500.")
    assert outcome == outcomes.CORRECTION and text.endswith(CITATION)


def test_a_number_from_another_country_is_placed_where_it_belongs(engine):
    [[(text, outcome)]] = chat(engine, "es cierto que repatriaron a 24 peruanos de bolivia?")
    assert text.startswith("No: según la nota fueron 72 peruanos, no 24.")
    assert "24 corresponde a la repatriación desde Jamaica" in text and outcome == outcomes.CORRECTION


def test_a_wrong_place_is_corrected(engine):
    [[(text, outcome)]] = chat(engine, "el congreso de la lengua fue en lima?")
    assert text.startswith("No.") and "Arequipa" in text and outcome == outcomes.CORRECTION


def test_a_wrong_month_is_corrected_and_the_event_told_as_past(engine):
    [[(text, outcome)]] = chat(engine, "las elecciones generales eran en mayo?")
    assert text.startswith("No: según la nota, la fecha era abril de 2026.")
    assert "ya pasó" in text and outcome == outcomes.CORRECTION


def test_a_known_topic_with_an_unknown_detail_says_which_detail(engine):
    [[(text, outcome)]] = chat(engine, "¿En qué aerolínea volvieron los de Jamaica?")
    assert text.startswith("Sobre la repatriación desde Jamaica, la nota no indica en qué aerolínea volvieron")
    assert "https://www.gob.pe/rree" in text and outcome == outcomes.MISSING_DETAIL
    assert "24" not in text  # no paragraph pasted as if it answered


def test_attribute_follow_ups_stay_on_the_last_fact(engine):
    turns = chat(
        engine,
        "¿Cuántos peruanos fueron repatriados desde Jamaica?",
        "¿y cuánta ayuda mandaron?",
        "¿por qué quedaron varados?",
        "¿y de Bolivia?",
    )
    assert "24 peruanos" in turns[0][0][0]
    assert first_sentence(turns[1][0][0]) == "La Cancillería envió más de dos toneladas de ayuda humanitaria."
    assert "huracán Melissa" in first_sentence(turns[2][0][0])
    assert "bloqueos de carreteras" in first_sentence(turns[3][0][0])  # same question, other country


def test_follow_ups_after_ecuador_heritage_goods_and_visits(engine):
    [_, [(signed, _)]] = chat(engine, "¿qué hizo la Cancillería con Ecuador?", "¿qué firmaron?")
    assert first_sentence(signed) == "Se suscribieron la Declaración de Quito y el Plan de Acción 2025–2026."
    [_, [(origin, _)], [(recipient, _)]] = chat(
        engine, "cuantos bienes del patrimonio se repatriaron", "¿de dónde los trajeron?", "¿a quién se los dieron?"
    )
    assert "Estados Unidos" in first_sentence(origin) and "Ministerio de Cultura" in first_sentence(recipient)
    [_, [(piura, _)], [(count, _)]] = chat(
        engine, "que regiones visito la cancilleria", "¿fue a Piura?", "¿cuántas fueron?"
    )
    assert piura.startswith("Sí.") and "ocho regiones" in first_sentence(count)


def test_two_questions_in_one_message_are_answered_in_order(engine):
    [replies] = chat(engine, "¿Cuántos volvieron de Jamaica? ¿Y de Bolivia?")
    assert ["24 peruanos" in replies[0][0], "72 peruanos" in replies[1][0]] == [True, True]
    [replies] = chat(engine, "con quien se reunio el canciller en washington y de que hablaron")
    assert "Marco Rubio" in replies[0][0] and "cooperación estratégica bilateral" in replies[1][0]


def test_questions_about_the_source(engine):
    [[(date, outcome)]] = chat(engine, "de que fecha es la nota")
    assert date == "La Nota de Prensa 9-26 es del 18 de enero de 2026." and outcome == outcomes.ANSWERED
    [[(title, _)]] = chat(engine, "como se titula la nota de prensa")
    assert "Cancillería despliega intensa agenda exterior" in title


def test_a_past_election_is_never_announced_as_upcoming(engine):
    [[(text, _)]] = chat(engine, "cuando son las elecciones generales??")
    assert "abril de 2026" in first_sentence(text) and "ya pasó" in text and "están previstas" not in text


def test_an_unclear_question_gets_the_closest_facts_or_the_fallback(engine):
    [[(text, outcome)]] = chat(engine, "asdkjh qwpoeiru")
    assert outcome == outcomes.FALLBACK and text == ""
    result = engine.respond("lo del puerto y las drogas", None, State())
    [reply] = result.replies
    assert reply.outcome in (outcomes.ANSWERED, outcomes.CLARIFY)
    assert "Chancay" in (reply.text or "") + str(reply.buttons)


def test_a_country_from_an_earlier_message_narrows_the_answer(engine):
    result = engine.respond("¿a cuántos peruanos ayudaron ahí?", "repatriation", State(), context_countries=["Bolivia"])
    assert "72 peruanos" in result.replies[0].text and "24" not in result.replies[0].text


def test_every_number_and_name_in_an_answer_comes_from_the_facts(engine):
    import re

    facts_text = (
        " ".join(
            " ".join([f.answer, f.subject or ""] + [c.sentence or c.value for c in f.claims]) for f in engine.facts
        )
        + CITATION
    )
    for question in [
        "cuantos peruanos repatriaron en total",
        "con cuántos países se coordinó en seguridad",
        "que regiones visito la cancilleria",
        "cuantas reuniones bilaterales hubo",
    ]:
        [[(text, _)]] = chat(engine, question)
        for number in re.findall(r"\d+", text):
            assert number in facts_text or number == "96", (question, number)


@pytest.mark.parametrize(
    "question, start, expected",
    [
        ("el huracan se llamaba maria", "No.", "Melissa"),
        ("la plenaria del ipcc fue en chile no?", "No.", "El Perú fue la sede"),
        ("la declaracion de quito la firmaron con bolivia?", "No: según la nota, fue con Ecuador.", "Ecuador"),
        ("la propuesta de asilo la presentaron en la onu?", "No.", "Consejo Permanente de la OEA"),
        ("los de jamaica los trajeron x un terremoto verdad", "La nota no menciona terremoto", "huracán Melissa"),
        ("fueron 10 regiones las que visito la cancilleria", "No: según la nota fueron 8 regiones, no 10.", "Tumbes"),
    ],
)
def test_false_premises_about_names_places_countries_and_words_the_note_never_uses(engine, question, start, expected):
    [[(text, outcome)]] = chat(engine, question)
    assert text.startswith(start) and expected in text and outcome == outcomes.CORRECTION


def test_a_word_the_note_never_uses_elsewhere_than_the_detail_does_not_hide_the_answer(engine):
    [[(text, outcome)]] = chat(engine, "cuantos compatriotas retornaron de bolivia tras los bloqueos")
    assert "72 peruanos" in first_sentence(text) and outcome == outcomes.ANSWERED
    [(text, outcome)] = chat(engine, "cuantos peruanos volvieron de jamaica", "y quien la llevo")[1]
    assert outcome == outcomes.MISSING_DETAIL and "quién la llevo" in text

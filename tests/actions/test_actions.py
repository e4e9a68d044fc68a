"""Every custom action, run with rasa-sdk's Tracker and CollectingDispatcher on a real store."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    ActionAnswerCountry,
    ActionAnswerTopic,
    ActionConsulateContact,
    ActionHumanHandoff,
    ActionStranded,
)
from actions.store import _store_for
from tests.conftest import country_entity, make_tracker, user_event

CITATION = "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."
NOT_CONFIRMED = "No tengo esa información confirmada"


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return [m.get("text") or "" for m in dispatcher.messages], events


@pytest.fixture(autouse=True)
def _store(use_store):
    return use_store


def test_jamaica_repatriation_answers_24_with_the_source():
    texts, events = run(
        ActionAnswerTopic(),
        make_tracker("cuantos peruanos repatriaron de jamaica", "ask_repatriation", [country_entity("jamaica")]),
    )
    assert len(texts) == 1 and "24 peruanos" in texts[0] and "72" not in texts[0]
    assert texts[0].endswith(CITATION)
    slots = {e["name"]: e["value"] for e in events}
    assert slots["last_topic"] == "repatriation" and slots["last_fact"] == "repatriation.jamaica"
    assert slots["last_kind"] == "quantity"


def test_repatriations_without_a_country_answer_both():
    texts, _ = run(ActionAnswerTopic(), make_tracker("repatriaciones", "ask_repatriation"))
    assert "24 peruanos" in texts[0] and "72 peruanos" in texts[0]


def test_follow_up_uses_the_country_of_the_previous_message():
    history = [user_event("estoy varado en Bolivia", "report_stranded", [country_entity("Bolivia")])]
    texts, _ = run(
        ActionAnswerTopic(), make_tracker("¿a cuántos peruanos ayudaron ahí?", "ask_repatriation", history=history)
    )
    assert "72 peruanos" in texts[0] and "24" not in texts[0]


def test_repatriation_from_a_country_without_facts_is_honest():
    texts, _ = run(
        ActionAnswerTopic(),
        make_tracker("repatriaron peruanos de chile?", "ask_repatriation", [country_entity("Chile")]),
    )
    assert texts[0].startswith("No tengo información confirmada sobre repatriaciones relacionada con Chile.")
    assert "Comité Binacional de Cooperación Migratoria" in texts[0]  # what it does know about Chile
    assert "https://www.gob.pe/rree" in texts[-1]


@pytest.mark.parametrize(
    "intent, text, expected",
    [
        ("ask_vote_abroad", "como voto desde afuera", "Tu voto cruza fronteras"),
        ("ask_election_observation", "observadores de la oea", "Misión de Observación Electoral"),
        ("ask_security_cooperation", "reunión con rubio", "Marco Rubio"),
        ("ask_security_cooperation", "qué es lo de chancay", "Unidad de Control Conjunto"),
        ("ask_integration", "mercosur", "Estado Asociado del Mercosur"),
        ("ask_integration", "declaración de quito", "Plan de Acción 2025–2026"),
        ("ask_multilateral", "asilo diplomático", "Consejo Permanente de la OEA"),
        ("ask_multilateral", "IPCC", "63.ª Sesión Plenaria"),
        ("ask_multilateral", "reelegido en la omi", "Organización Marítima Internacional"),
        ("ask_multilateral", "unesco", "Comité del Patrimonio Mundial"),
        ("ask_multilateral", "oim", "Organización Internacional para las Migraciones"),
        ("ask_culture", "congreso de la lengua", "X Congreso Internacional de la Lengua Española"),
        ("ask_culture", "bienes patrimoniales devueltos", "347 bienes"),
        ("ask_regional_visits", "qué regiones visitaron", "Huancavelica"),
        ("ask_overview", "resumen de los cien días", "primeros cien días"),
    ],
)
def test_every_topic_of_the_note_is_answered_and_cited(intent, text, expected):
    texts, _ = run(ActionAnswerTopic(), make_tracker(text, intent))
    assert expected in texts[0] and texts[0].endswith(CITATION)


def test_keywords_pick_the_specific_fact():
    texts, _ = run(ActionAnswerTopic(), make_tracker("qué pasó en la unesco", "ask_multilateral"))
    assert "UNESCO" in texts[0] and "IPCC" not in texts[0]


@pytest.mark.parametrize(
    "intent, text, topic_words",
    [
        ("ask_procedures", "cuanto cuesta el pasaporte", "requisitos, costos y plazos"),
        ("ask_voting_fine", "cuanto es la multa por no votar", "multas o justificaciones"),
    ],
)
def test_questions_no_source_answers_get_the_honest_reply(intent, text, topic_words):
    texts, _ = run(ActionAnswerTopic(), make_tracker(text, intent))
    assert len(texts) == 1 and texts[0].startswith(NOT_CONFIRMED) and topic_words in texts[0]
    assert "https://www.gob.pe/rree" in texts[0]
    assert not any(ch.isdigit() for ch in texts[0])  # no invented price, phone or date


def test_consulate_contact_without_a_directory_is_honest():
    texts, _ = run(
        ActionConsulateContact(),
        make_tracker("telefono del consulado en madrid", "ask_consulate_contact", [country_entity("Madrid")]),
    )
    assert texts == [texts[0]] and texts[0].startswith(NOT_CONFIRMED)
    assert "direcciones, teléfonos y horarios" in texts[0]


def test_consulate_contact_shows_only_sourced_offices(tmp_path, monkeypatch):
    from actions.loader import load_dir
    from actions.store import FactStore

    directory = tmp_path / "facts"
    directory.mkdir()
    (directory / "o.yml").write_text(
        "sources: [{key: dir-test, title: Directorio de prueba, issuer: Cancillería, published_on: 2026-03-01}]\n"
        "offices: [{key: o.bo, country: Bolivia, city: La Paz, name: Consulado General del Perú en La Paz, "
        "phones: ['+591 2 000 0000'], source: dir-test}]\n",
        encoding="utf-8",
    )
    store = FactStore(f"sqlite:///{tmp_path / 'f.db'}")
    load_dir(store, directory)
    monkeypatch.setenv("FACTS_DB_URL", str(store.engine.url))
    _store_for.cache_clear()
    texts, _ = run(
        ActionConsulateContact(),
        make_tracker("telefono del consulado en bolivia", "ask_consulate_contact", [country_entity("Bolivia")]),
    )
    assert "Consulado General del Perú en La Paz" in texts[0] and "+591 2 000 0000" in texts[0]
    assert texts[0].endswith("Fuente: Directorio de prueba, Cancillería, 1 de marzo de 2026.")
    texts, _ = run(ActionConsulateContact(), make_tracker("telefono del consulado", "ask_consulate_contact"))
    assert texts == ["¿En qué país se encuentra? Así le indico los datos confirmados del consulado."]


def test_stranded_in_bolivia_gets_guidance_the_bolivia_fact_and_no_invented_contact():
    texts, events = run(
        ActionStranded(), make_tracker("estoy varado en bolivia", "report_stranded", [country_entity("bolivia")])
    )
    assert "consulado del Perú más cercano" in texts[0]
    assert "72 peruanos" in texts[1] and texts[1].endswith(CITATION)
    assert texts[2].startswith(
        "No tengo confirmados la dirección, el teléfono ni el horario del consulado del Perú en Bolivia"
    )
    assert events[0]["value"] == "consular_assistance"


def test_stranded_without_a_country_asks_where():
    texts, _ = run(ActionStranded(), make_tracker("estoy varado", "report_stranded"))
    assert texts[-1].startswith("¿En qué país se encuentra?")


def test_country_question_then_follow_up_with_another_country():
    texts, events = run(
        ActionAnswerCountry(),
        make_tracker("¿qué hizo la cancillería en Jamaica?", "ask_country_actions", [country_entity("Jamaica")]),
    )
    assert "24 peruanos" in texts[0] and events[0]["value"] == "country"
    history = [user_event("¿qué hizo la cancillería en Jamaica?", "ask_country_actions", [country_entity("Jamaica")])]
    texts, _ = run(
        ActionAnswerCountry(),
        make_tracker(
            "¿y en Bolivia?",
            "inform_country",
            [country_entity("Bolivia")],
            history=history,
            slots={"last_topic": "country"},
        ),
    )
    assert "72 peruanos" in texts[0] and "24" not in texts[0]


def test_follow_up_country_keeps_the_previous_topic():
    texts, _ = run(
        ActionAnswerCountry(),
        make_tracker(
            "y con ecuador?", "inform_country", [country_entity("ecuador")], slots={"last_topic": "integration"}
        ),
    )
    assert "Declaración de Quito" in texts[0] and "Mercosur" not in texts[0]


def test_follow_up_after_stranded_gives_guidance_for_the_new_country():
    texts, _ = run(
        ActionAnswerCountry(),
        make_tracker(
            "y en jamaica", "inform_country", [country_entity("jamaica")], slots={"last_topic": "consular_assistance"}
        ),
    )
    assert "consulado del Perú más cercano" in texts[0] and "24 peruanos" in texts[1]


def test_country_without_facts_lists_the_countries_it_knows():
    texts, _ = run(
        ActionAnswerCountry(),
        make_tracker("qué hizo la cancillería en argentina", "ask_country_actions", [country_entity("argentina")]),
    )
    assert texts[0].startswith(
        "No tengo información confirmada sobre acciones de la Cancillería relacionadas con Argentina."
    )
    assert "Bolivia" in texts[0] and "Jamaica" in texts[0]


def test_country_question_without_a_country_asks_which():
    texts, _ = run(ActionAnswerCountry(), make_tracker("qué hizo la cancillería en ese país", "ask_country_actions"))
    assert texts[0].startswith("¿Sobre qué país desea saber?") and "Jamaica" in texts[0]


def test_human_handoff_points_to_consular_staff():
    texts, _ = run(ActionHumanHandoff(), make_tracker("quiero hablar con una persona", "request_human"))
    assert (
        texts == [texts[0]] and "consulado del Perú más cercano" in texts[0] and "https://www.gob.pe/rree" in texts[0]
    )


def test_unmapped_intent_falls_back_politely():
    dispatcher = CollectingDispatcher()
    ActionAnswerTopic().run(dispatcher, make_tracker("hola", "greet"), {})
    assert dispatcher.messages[0]["response"] == "utter_default"


@pytest.mark.parametrize(
    "action",
    [ActionAnswerTopic(), ActionAnswerCountry(), ActionStranded(), ActionConsulateContact(), ActionHumanHandoff()],
)
def test_an_unreachable_store_gets_an_apology_not_an_error(action, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    monkeypatch.setenv("FACTS_DB_URL", f"sqlite:///{blocker}/facts.db")  # cannot be opened
    _store_for.cache_clear()
    texts, events = run(
        action, make_tracker("repatriaciones de bolivia", "ask_repatriation", [country_entity("Bolivia")])
    )
    assert texts[-1].startswith("Disculpe, en este momento no puedo consultar mi información oficial.")
    assert events == []


def test_a_fact_loaded_while_running_is_answered_without_a_restart(use_store, tmp_path):
    """The action server keeps its engine (and claim embeddings) until a load changes the store."""
    import shutil

    import settings
    from actions.loader import load_dir

    question = ("cuantos peruanos repatriaron de jamaica", "ask_repatriation")
    assert "24 peruanos" in run(ActionAnswerTopic(), make_tracker(*question))[0][0]
    facts = tmp_path / "facts"
    shutil.copytree(settings.DEFAULT_FACTS_DIR, facts)
    note = facts / "nota-de-prensa-9-26.yml"
    note.write_text(
        note.read_text(encoding="utf-8")
        .replace("24 peruanos", "25 peruanos")
        .replace("amount: 24,", "amount: 25,")
        .replace("Esos 24", "Esos 25"),
        encoding="utf-8",
    )
    load_dir(use_store, facts)
    assert "25 peruanos" in run(ActionAnswerTopic(), make_tracker(*question))[0][0]

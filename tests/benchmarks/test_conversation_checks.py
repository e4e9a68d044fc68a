"""The conversation set's checks (benchmarks/conversation_checks.py) and the set itself."""
import pytest

from benchmarks import conversation_split
from benchmarks.conversation_checks import (
    CATEGORIES,
    Turn,
    check_reply,
    find,
    first_window,
    fold,
    parse_conversations,
    reply_text,
    sentences,
)
from benchmarks.conversations import SPLITS, load_split

CITATION = "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."
JAMAICA = ("La Cancillería repatrió a 24 peruanos que quedaron varados en Jamaica tras el paso del huracán "
           "Melissa, y envió más de dos toneladas de ayuda humanitaria.\n" + CITATION)
FALLBACK = ("Disculpe, no logré entender su mensaje. Puedo ayudarle con los temas de abajo; elija uno o "
            "escriba su pregunta con otras palabras.")


def turn(**data) -> Turn:
    return Turn.from_dict({"user": "pregunta", **data})


def failed(t: Turn, reply: str) -> set:
    return {check.name for check in check_reply(t, reply).failed}


# --- text -----------------------------------------------------------------------------

def test_fold_ignores_case_accents_and_dash_kinds():
    assert fold("Plan de Acción 2025–2026") == "plan de accion 2025-2026"
    assert fold("Nota de Prensa 9 - 26") == "nota de prensa 9-26"
    assert fold("la 63.ª Sesión") == "la 63.a sesion"


def test_patterns_match_whole_words_alternatives_and_suffixes():
    assert find("24|veinticuatro", fold("repatrió a veinticuatro peruanos"))
    assert not find("24", fold("en 2024"))
    assert find("repatri*", fold("La repatriación"))
    assert not find("repatri*", fold("patria"))
    assert find("paises bajos", fold("Países   Bajos"))
    assert find("2025-2026", fold("Plan de Acción 2025 – 2026"))


def test_first_sentence_keeps_abbreviations_and_extends_short_openers():
    assert sentences("En Washington D. C., el canciller se reunió. Ambas partes…") == [
        "En Washington D. C., el canciller se reunió.", "Ambas partes…"]
    assert first_window("Sí. La Cancillería visitó Piura. Fuente: x.") == "Sí. La Cancillería visitó Piura."
    assert first_window("¡Claro! Fueron 72.") == "¡Claro! Fueron 72."
    assert first_window("Fueron 72 peruanos desde Bolivia.\nFuente: Nota") == "Fueron 72 peruanos desde Bolivia."
    assert first_window("El Perú fue sede de la 63.ª Sesión Plenaria. Otra.") == "El Perú fue sede de la 63.ª Sesión Plenaria."


def test_reply_text_joins_the_messages_and_leaves_buttons_out():
    messages = [{"text": "Uno."}, {"buttons": [{"title": "Cultura"}]}, {"text": "Dos."}]
    assert reply_text(messages) == "Uno.\nDos."


# --- checks ---------------------------------------------------------------------------

def test_specific_fact_passes_when_the_first_sentence_has_it_and_cites():
    t = turn(category="specific_fact", first="24|veinticuatro", none=["72"])
    assert check_reply(t, JAMAICA).passed


def test_specific_fact_fails_when_the_fact_is_only_in_a_later_sentence():
    t = turn(category="specific_fact", first="crimen organizado|narcotrafico")
    reply = ("En Washington D. C., el canciller se reunió con Marco Rubio. Ambas partes reafirmaron la "
             "cooperación para combatir el crimen organizado.\n" + CITATION)
    assert failed(t, reply) == {"first"}


def test_a_fact_without_the_citation_fails_cites():
    t = turn(category="specific_fact", first="24")
    assert failed(t, "Fueron 24 peruanos.") == {"cites"}
    assert check_reply(turn(category="specific_fact", first="24", cites=False), "Fueron 24 peruanos.").passed


def test_the_wrong_number_and_the_fallback_are_forbidden():
    t = turn(category="specific_fact", first="24", none=["72"])
    assert "none" in failed(t, "Fueron 24 desde Jamaica y 72 desde Bolivia. " + CITATION)
    assert "none" in failed(turn(category="tone", max_words=30), FALLBACK)


def test_the_elections_told_as_upcoming_fail_on_every_checked_turn():
    t = turn(category="specific_fact", first="abril")
    assert "none" in failed(t, "Las elecciones generales están previstas para abril de 2026. " + CITATION)
    assert check_reply(t, "Fueron en abril de 2026; esa fecha ya pasó. " + CITATION).passed


def test_empty_reply_fails():
    assert "reply" in failed(turn(category="tone", max_words=30), "")


def test_yes_is_not_the_conditional_si():
    t = turn(category="aggregate", first="@yes", all=["piura"], cites=False)
    assert check_reply(t, "Sí, la Cancillería visitó Piura.").passed
    assert check_reply(t, "Si, visitó Piura.").passed
    assert "first" in failed(t, "Si usted es peruano, vaya al consulado en Piura.")
    assert "first" in failed(t, "La Cancillería visitó Tumbes, Piura y Tacna.")


def test_missing_detail_must_admit_name_the_detail_and_point_to_a_channel():
    t = turn(category="missing_detail", missing="aerolinea|vuelo")
    good = ("La nota no indica la aerolínea en la que volvieron. Para más información, consulte el portal "
            "oficial de la Cancillería: https://www.gob.pe/rree")
    assert check_reply(t, good).passed
    assert failed(t, JAMAICA) == {"honest", "channel", "missing"}
    vague = "No tengo esa información confirmada en mis fuentes oficiales (repatriaciones). Visite https://www.gob.pe"
    assert failed(t, vague) == {"missing"}
    out_of_scope = "Lo siento, esa consulta está fuera de lo que puedo responder. Visite https://www.gob.pe"
    assert "none" in failed(t, out_of_scope)


def test_out_of_scope_accepts_an_honest_refusal_with_a_channel():
    t = turn(category="out_of_scope")
    assert check_reply(t, "No tengo esa información confirmada. Consulte el portal oficial: https://www.gob.pe/rree").passed
    assert check_reply(t, "Lo siento, esa consulta está fuera de lo que puedo responder. Visite https://www.gob.pe").passed
    assert failed(t, "El pasaporte cuesta 120 soles.") == {"honest", "channel"}


def test_false_premise_needs_an_explicit_correction_first():
    t = turn(category="false_premise", first="72|setenta y dos")
    assert check_reply(t, "No: según la nota fueron 72 peruanos desde Bolivia. " + CITATION).passed
    assert check_reply(t, "Según la nota fueron 72, no 500. " + CITATION).passed
    plain = ("Desde Bolivia, la Cancillería coordinó la repatriación de 72 peruanos afectados por bloqueos. "
             + CITATION)
    assert failed(t, plain) == {"corrects"}


def test_a_no_inside_a_word_is_not_a_correction():
    t = turn(category="false_premise", first="347")
    assert failed(t, "La Cancillería gestionó la entrega de 347 bienes. " + CITATION) == {"corrects"}


def test_multi_question_answers_in_order_and_opens_with_the_first():
    t = turn(category="multi_question", in_order=["24", "72"])
    assert check_reply(t, "Desde Jamaica, 24 peruanos. Desde Bolivia, 72. " + CITATION).passed
    assert "in_order" in failed(t, "Desde Bolivia, 72. Desde Jamaica, 24. " + CITATION)
    assert failed(t, "Desde Jamaica, 24 peruanos. " + CITATION) == {"in_order"}
    assert "first" in failed(t, "Gracias por su pregunta. Hubo dos repatriaciones: 24 y 72. " + CITATION)


def test_multi_question_answered_in_one_sentence_passes():
    t = turn(category="multi_question", in_order=["panel intergubernamental", "63"])
    reply = "El Perú fue sede de la 63.ª Sesión Plenaria del Panel Intergubernamental sobre Cambio Climático. " + CITATION
    assert check_reply(t, reply).passed


def test_multi_question_may_admit_a_missing_detail_after_the_first_answer():
    t = turn(category="multi_question", in_order=["24", "@honest"], missing="aerolinea", cites=True)
    reply = "Fueron 24 peruanos. La nota no indica la aerolínea. " + CITATION
    assert check_reply(t, reply).passed


def test_tone_acknowledgement_must_be_brief():
    t = turn(category="tone", max_words=25, any=["algo mas|ayud*"])
    assert check_reply(t, "¿Le ayudo en algo más?").passed
    assert "max_words" in failed(t, JAMAICA + " " + JAMAICA)


def test_insult_gets_a_calm_reply_with_a_channel_not_achievements():
    t = turn(category="tone", channel=True, any=["lamento|disculpe"], none=["cien dias"])
    assert check_reply(t, "Lamento no haberle ayudado. Puede escribir al consulado o ver https://www.gob.pe/rree").passed
    assert failed(t, "En los primeros cien días del Gobierno, la Cancillería impulsó…") == {"any", "channel", "none"}


# --- the schema -----------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"user": "x", "category": "nope", "first": "a"}, "unknown category"),
    ({"user": "x", "first": "a"}, "needs a «category»"),
    ({"user": "x", "category": "missing_detail"}, "missing"),
    ({"user": "x", "category": "multi_question", "in_order": ["a"]}, "in_order"),
    ({"user": "x", "category": "tone", "frist": "a"}, "unknown keys"),
    ({"user": "", "category": "tone", "max_words": 3}, "«user»"),
    ({"user": "x", "category": "tone", "first": "@nada"}, "unknown alternative"),
    ({"user": "x", "category": "tone", "cites": False}, "checks nothing"),
])
def test_invalid_turns_are_refused(data, message):
    with pytest.raises(ValueError, match=message):
        Turn.from_dict(data)


def test_repeated_ids_are_refused():
    conversation = {"id": "a", "turns": [{"user": "ok", "category": "tone", "max_words": 3}]}
    with pytest.raises(ValueError, match="repeated id"):
        parse_conversations([conversation, conversation])


# --- the set ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def halves():
    return {name: load_split(name) for name in SPLITS}


def test_the_set_is_big_enough_and_covers_every_category_in_both_halves(halves):
    everything = halves["tuning"] + halves["heldout"]
    assert len(everything) >= 300
    assert sum(c.multi_turn for c in everything) >= 120
    for conversations in halves.values():
        categories = {t.category for c in conversations for t in c.turns if t.checked}
        assert categories == set(CATEGORIES)


def test_no_conversation_or_question_is_in_both_halves(halves):
    tuning = {c.id for c in halves["tuning"]}
    heldout = {c.id for c in halves["heldout"]}
    assert not tuning & heldout

    def questions(conversations):  # "ok" or "y de bolivia?" may well repeat; a question may not
        return {fold(t.user) for c in conversations for t in c.turns if len(fold(t.user).split()) >= 4}

    assert not questions(halves["tuning"]) & questions(halves["heldout"])


def test_the_halves_follow_the_split_rule(capsys):
    assert conversation_split.main(["--check"]) == 0


def test_the_split_rule_balances_every_stratum(halves):
    everything = halves["tuning"] + halves["heldout"]
    assignment = conversation_split.assign(everything)
    strata = {}
    for conversation in everything:
        strata.setdefault(conversation_split.stratum(conversation), []).append(assignment[conversation.id])
    for members in strata.values():
        assert abs(members.count("tuning") - members.count("heldout")) <= 1


def test_the_readmes_describe_the_set_as_it_is(halves):
    import re

    from tests.conftest import ROOT

    everything = halves["tuning"] + halves["heldout"]
    total, multi = len(everything), sum(c.multi_turn for c in everything)
    checked = sum(1 for c in everything for t in c.turns if t.checked)
    front = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{total} citizens' conversations ({multi} multi-turn)" in front
    readme = re.sub(r"\s+", " ", (ROOT / "tests" / "conversations" / "README.md").read_text(encoding="utf-8"))
    assert (f"{total} conversations ({len(halves['tuning'])} per half), {multi} of them multi-turn "
            f"(up to five turns), {checked} checked turns") in readme
    assert len(halves["tuning"]) == len(halves["heldout"])
    assert max(len(c.turns) for c in everything) == 5

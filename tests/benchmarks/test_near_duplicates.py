"""The near-duplicate guard (benchmarks/near_duplicates.py): it catches the copies the
exact-text check missed and leaves genuinely different messages alone."""

import itertools

import pytest

from benchmarks.near_duplicates import NearDuplicate, near_duplicate_rule, near_duplicates, normalise


def test_normal_form_ignores_case_accents_punctuation_and_spaces():
    assert normalise("  ¿Cuándo   VOTO en el Perú?! ") == "cuando voto en el peru"
    assert normalise("hola...q tal") == "hola q tal"
    assert normalise("ñandú_pingüino") == "nandu pinguino"


@pytest.mark.parametrize(
    "message, example, rule",
    [
        # The two examples of the issue: a synonym swapped, a place swapped.
        (
            "cuando son las elecciones para los peruanos en el exterior",
            "cuando son las elecciones para los peruanos en el extranjero",
            "characters 0.95",
        ),
        ("el canciller fue a tumbes?", "el canciller fue a iquitos?", "one word apart"),
        # Only case, accents and punctuation differ.
        ("¿Cuándo son las ELECCIONES?", "cuando son las elecciones", "same text"),
        # The same words in another order.
        (
            "cuando fue el congreso de la lengua en arequipa",
            "el congreso de la lengua en arequipa cuando fue",
            "words 1.00",
        ),
        # One word added to a long message.
        (
            "que es la accion birregional contra la delincuencia organizada transnacional",
            "qué es la acción birregional contra la delincuencia organizada",
            "words 0.95",
        ),
        # WhatsApp shorthand for one word.
        ("q hizo la cancilleria en EEUU", "qué hizo la cancillería en EEUU", "characters 0.97"),
        # One word removed, or replaced, in a short message.
        ("QUIERO UN HUMANO", "quiero un agente humano", "one word apart"),
        ("y en japon", "¿y en Bolivia?", "one word apart"),
        ("graciassss", "graciasss", "characters 0.95"),
    ],
)
def test_near_duplicates_are_caught(message, example, rule):
    assert near_duplicate_rule(message, example) == rule
    assert near_duplicate_rule(example, message) == rule  # the rules are symmetric


@pytest.mark.parametrize(
    "message, example",
    [
        ("como voto desde el extranjero", "cuanto cuesta el pasaporte"),
        # Same topic and many shared words, but said differently.
        (
            "cuantos peruanos fueron repatriados desde jamaica tras el huracan melissa",
            "que ayuda humanitaria envio el peru a jamaica tras el huracan melissa",
        ),
        ("oe y lo del congreso de la lengua q tal salio", "el congreso de la lengua fue en arequipa?"),
        # Two words apart.
        ("la cancilleria visito ancash", "el canciller fue a tumbes?"),
        ("y q tal por japon", "y en japon"),
        # Messages of two words may differ by one: "y japon?" is not a copy of "y chile?".
        ("y japon?", "y chile?"),
        ("hola", "chau"),
        ("holi", "hola"),
    ],
)
def test_genuinely_different_messages_are_left_alone(message, example):
    assert near_duplicate_rule(message, example) is None
    assert near_duplicate_rule(example, message) is None


def test_the_character_threshold_is_inclusive():
    # 2·9 / (10 + 10) = 0.90 exactly; 2·9 / (10 + 11) = 0.857.
    assert near_duplicate_rule("abcdefghij", "abcdefghik") == "characters 0.90"
    assert near_duplicate_rule("abcdefghij", "abcdefghikl") is None


def test_near_duplicates_lists_every_pair_in_the_order_of_the_messages():
    training = ["el canciller fue a iquitos?", "cuanto cuesta el pasaporte", "la cancillería visitó tumbes?"]
    heldout = ["como saco mi dni en madrid", "la cancilleria visito tumbes", "el canciller fue a tumbes?"]
    assert near_duplicates(heldout, training) == [
        NearDuplicate("la cancilleria visito tumbes", "la cancillería visitó tumbes?", "same text"),
        NearDuplicate("el canciller fue a tumbes?", "el canciller fue a iquitos?", "one word apart"),
    ]
    assert str(near_duplicates(heldout[2:], training)[0]) == (
        "'el canciller fue a tumbes?' ≈ 'el canciller fue a iquitos?' (one word apart)"
    )
    assert near_duplicates([], training) == [] and near_duplicates(heldout, []) == []


def test_the_fast_search_finds_exactly_what_the_rules_say():
    """near_duplicates() scores all pairs at once with rapidfuzz before applying the rules;
    it must neither miss a pair the rules flag nor report one they do not."""
    messages = [
        "cuando son las elecciones para los peruanos en el exterior",
        "cuando son las elecciones para los peruanos en el extranjero",
        "cuando son las elecciones",
        "¿Cuándo son las ELECCIONES?",
        "las elecciones cuando son",
        "el canciller fue a tumbes?",
        "el canciller fue a iquitos?",
        "la cancilleria visito tumbes",
        "abcdefghij",
        "abcdefghik",
        "abcdefghikl",
        "y en japon",
        "y en chile",
        "y japon",
        "y chile",
        "quiero un humano",
        "quiero un agente humano",
        "quiero hablar con un agente humano ya",
        "graciassss",
        "graciasss",
        "gracias",
        "hola",
        "holaa",
        "",
    ]
    expected = [
        NearDuplicate(a, b, rule)
        for a, b in itertools.product(messages, messages)
        if (rule := near_duplicate_rule(a, b))
    ]
    assert near_duplicates(messages, messages) == expected
    assert sum(d.message != d.example for d in expected) >= 10  # not only each message against itself

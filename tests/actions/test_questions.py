"""Question types, asserted numbers and the splitting of multi-question messages."""

import pytest

from actions.questions import analyse, numbers_in, split


@pytest.mark.parametrize(
    "text, kind",
    [
        ("¿Con cuántos países coordinó temas de seguridad?", "quantity"),
        ("cuantos peruanos volvieron de bolivia", "quantity"),
        ("y cuánta ayuda mandaron??", "quantity"),
        ("¿Quién organizó el congreso?", "who"),
        ("con quien se reunio el canciller en washington", "partner"),
        ("¿Dónde fue el congreso de la lengua?", "place"),
        ("en que ciudad se hicieron las reuniones con chile", "place"),
        ("¿de dónde los trajeron?", "origin"),
        ("a quien le entregaron los bienes", "recipient"),
        ("cuando fueron las elecciones generales", "date"),
        ("que firmaron con ecuador", "signed"),
        ("de que hablaron con rubio", "discussed"),
        ("cómo se llama la campaña", "name"),
        ("que edicion fue el congreso", "edition"),
        ("xq quedaron varados en jamaica", "reason"),
        ("pa que sirve la unidad de chancay", "purpose"),
        ("¿fue a Piura?", "yesno"),
        ("es cierto que repatriaron a 500 peruanos", "yesno"),
        ("¿qué hizo la Cancillería con Ecuador?", "broad"),
        ("cuentame lo de chancay", "broad"),
        ("repatriaciones", "broad"),
    ],
)
def test_question_types(text, kind):
    assert analyse(text).kind == kind


def test_totals_follow_ups_and_details():
    assert analyse("cuantos repatriaron en total").total
    assert analyse("y sumando los dos?").total
    assert analyse("¿y de dónde los trajeron?").followup
    assert analyse("¿por qué?").followup
    assert not analyse("¿Cuántos peruanos fueron repatriados desde Jamaica?").followup
    assert analyse("¿En qué aerolínea volvieron los de Jamaica?").detail == "aerolinea"
    assert analyse("¿En qué aerolínea volvieron?").kind == "which"


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("me dijeron que trajeron a 500 peruanos", [500]),
        ("fueron quinientos?", [500]),
        ("son 2.5 toneladas?", [2.5]),
        ("fueron 1.200 personas", [1200]),
        ("en los primeros 100 días", []),
        ("el plan de acción 2025-2026", []),
        ("la nota de prensa 9-26 del 18 de enero", []),
        ("la 63.ª sesión plenaria", []),
        ("ciento veinte peruanos", [120]),
    ],
)
def test_numbers_a_question_asserts(text, numbers):
    assert numbers_in(text) == numbers


@pytest.mark.parametrize(
    "text, parts",
    [
        ("¿Cuántos volvieron de Jamaica? ¿Y de Bolivia?", ["Cuántos volvieron de Jamaica?", "Y de Bolivia?"]),
        ("cuantos volvieron de jamaica y que ayuda mandaron", ["cuantos volvieron de jamaica", "y que ayuda mandaron"]),
        (
            "con quien se reunio en washington y de que hablaron y cuando fue",
            ["con quien se reunio en washington", "y de que hablaron", "y cuando fue"],
        ),
        ("coordinó con Alemania, Países Bajos y Canadá?", ["coordinó con Alemania, Países Bajos y Canadá?"]),
        (
            "Hola. Quisiera saber cuántos peruanos volvieron de Bolivia. Gracias",
            ["Hola. Quisiera saber cuántos peruanos volvieron de Bolivia. Gracias"],
        ),
        (
            "hola buenas, mi tio vive en italia, q campaña hay para q voten los q estan afuera",
            ["hola buenas, mi tio vive en italia q campaña hay para q voten los q estan afuera"],
        ),
        (
            "¿Dónde fue el congreso? ¿Quién lo organizó? ¿Cuántos bienes volvieron? ¿Y de dónde?",
            ["Dónde fue el congreso?", "Quién lo organizó?", "Cuántos bienes volvieron? Y de dónde?"],
        ),
        ("", []),
    ],
)
def test_splitting_a_message_into_its_questions(text, parts):
    assert split(text) == parts

"""Spanish text the custom actions compose (domain.yml holds the responses rules use).

Every sentence a citizen reads is either a sentence of the facts store or one of these
fixed templates, filled with values from the store (or words of the citizen's own
message). Each template is registered with the outcome a message built from it has
(actions/outcomes.py); a contract test checks that every template maps to exactly one.
Every reply that cannot give a fact points to the official portal, OFFICIAL_PORTAL_URL.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence, TypeVar

import settings
from actions import outcomes

F = TypeVar("F", bound=Callable[..., str])

# template name -> outcome of a message built from it
TEMPLATE_OUTCOMES: Dict[str, str] = {}


def template(outcome: str) -> Callable[[F], F]:
    """Register a template function with the outcome of the messages it builds."""
    if outcome not in outcomes.OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")

    def register(function: F) -> F:
        TEMPLATE_OUTCOMES[function.__name__] = outcome
        function.outcome = outcome  # type: ignore[attr-defined]
        return function

    return register


def portal() -> str:
    return settings.portal_url()


def join(names: Sequence[str]) -> str:
    """'A', 'A y B', 'A, B y C'."""
    names = list(names)
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " y " + names[-1]


def number(amount: float) -> str:
    """A whole amount without decimals, others with a Spanish decimal comma."""
    return f"{amount:g}".replace(".", ",")


# --- answers -----------------------------------------------------------------------


@template(outcomes.ANSWERED)
def answer(sentences: Sequence[str]) -> str:
    """Sentences of the store, in order (the first answers the question)."""
    return " ".join(s for s in sentences if s)


@template(outcomes.ANSWERED)
def yes(sentence: str) -> str:
    return f"Sí. {sentence}"


@template(outcomes.ANSWERED)
def total(amount: str, unit: str, parts: Sequence[str]) -> str:
    """'<total> <unit> en total: <part> desde <country> y <part> desde <country>.'"""
    return f"{amount} {unit} en total: {join(parts)}."


@template(outcomes.ANSWERED)
def total_part(amount: str, where: str) -> str:
    return f"{amount} {where}"


@template(outcomes.ANSWERED)
def count(amount: str, unit: str, items: Sequence[str]) -> str:
    """'<count> <unit>: <item>, <item> y <item>.'"""
    return f"{amount} {unit}: {join(items)}."


@template(outcomes.ANSWERED)
def source_answer(title: str, issuer: str, date: str, headline: str) -> str:
    return f"Mi fuente es la {title}, publicada por la {issuer} el {date}, titulada «{headline}»."


@template(outcomes.ANSWERED)
def source_date(title: str, date: str) -> str:
    return f"La {title} es del {date}."


@template(outcomes.ANSWERED)
def source_number(title: str, date: str) -> str:
    return f"Es la {title}, del {date}."


@template(outcomes.ANSWERED)
def source_yes(title: str, issuer: str, date: str) -> str:
    return f"Sí: es la {title}, un comunicado oficial de la {issuer} del {date}."


@template(outcomes.CORRECTION)
def source_correction(title: str, date: str) -> str:
    return f"No: la {title} es del {date}."


@template(outcomes.ANSWERED)
def source_title(title: str, headline: str) -> str:
    return f"La {title} se titula «{headline}»."


# --- corrections of a false premise -----------------------------------------------


@template(outcomes.CORRECTION)
def correction(right: str, wrong: str) -> str:
    """'No: según la nota fueron <right>, no <wrong>.'"""
    return f"No: según la nota fueron {right}, no {wrong}."


@template(outcomes.CORRECTION)
def correction_elsewhere(wrong: str, where: str) -> str:
    """'La cifra de <wrong> corresponde a <subject>.'"""
    return f"La cifra de {wrong} corresponde a {where}."


@template(outcomes.CORRECTION)
def correction_value(right: str) -> str:
    """'No. Según la nota: <sentence of the store>'"""
    return f"No. Según la nota: {right}"


@template(outcomes.CORRECTION)
def correction_country(countries: str) -> str:
    return f"No: según la nota, fue con {countries}."


@template(outcomes.CORRECTION)
def not_stated(words: str, instead: str) -> str:
    """'La nota no menciona <words>; según la nota, <sentence of the store>'"""
    return (
        f"La nota no menciona {words}; según la nota, {instead} Para más detalles, consulte el portal "
        f"oficial de la Cancillería, {portal()}."
    )


@template(outcomes.CORRECTION)
def correction_date(right: str) -> str:
    return f"No: según la nota, la fecha era {right}."


@template(outcomes.MISSING_DETAIL)
def not_mentioned(thing: str, instead: str) -> str:
    """'La nota no menciona a <place> en relación con <subject>. <sentence of the store>'"""
    return f"La nota no menciona {thing}. {instead}"


# --- what the sources do not say ---------------------------------------------------


@template(outcomes.MISSING_DETAIL)
def missing_detail(question: str, subject: str) -> str:
    """'Sobre <subject>, la nota no indica <the citizen's question, indirect, in their words>.'"""
    return (
        f"Sobre {subject}, la nota no indica {question}. Para ese dato, consulte el portal oficial "
        f"de la Cancillería, {portal()}, o el consulado del Perú más cercano."
    )


@template(outcomes.MISSING_DETAIL)
def missing_detail_plain(question: str) -> str:
    return (
        f"La nota no indica {question}. Para ese dato, consulte el portal oficial de la Cancillería, "
        f"{portal()}, o el consulado del Perú más cercano."
    )


@template(outcomes.MISSING_DETAIL)
def only_this(sentence: str) -> str:
    return f"Lo único que indica al respecto: {sentence}"


@template(outcomes.NO_INFORMATION)
def not_in_sources(topic_label: str) -> str:
    return (
        f"No tengo esa información confirmada en mis fuentes oficiales ({topic_label}). "
        "Para no darle un dato incorrecto, le recomiendo consultar el portal oficial de la "
        f"Cancillería, {portal()}, o comunicarse con el consulado del Perú más cercano."
    )


@template(outcomes.NO_INFORMATION)
def official_channels() -> str:
    return f"Para más información, consulte el portal oficial de la Cancillería: {portal()}"


@template(outcomes.NO_INFORMATION)
def missing_country(topic_label: str, country: str) -> str:
    return f"No tengo información confirmada sobre {topic_label} relacionada con {country}."


@template(outcomes.NO_INFORMATION)
def missing_country_but(topic_label: str, country: str) -> str:
    return (
        f"No tengo información confirmada sobre {topic_label} relacionada con {country}. "
        "Esto es lo que sí tengo sobre el tema:"
    )


@template(outcomes.NO_INFORMATION)
def missing_country_other(topic_label: str, country: str) -> str:
    return (
        f"No tengo información confirmada sobre {topic_label} relacionada con {country}. Sobre {country} sí tengo esto:"
    )


@template(outcomes.NO_INFORMATION)
def missing_country_available(topic_label: str, country: str, available: str) -> str:
    return (
        f"No tengo información confirmada sobre {topic_label} relacionada con {country}. "
        f"Sobre {topic_label} tengo información de: {available}."
    )


@template(outcomes.NO_INFORMATION)
def nothing_about_country(country: str, available: str) -> str:
    return (
        f"No tengo información confirmada sobre acciones de la Cancillería relacionadas con {country}. "
        f"Tengo información sobre: {available}."
    )


@template(outcomes.NO_INFORMATION)
def no_office_data(country: str) -> str:
    return (
        f"No tengo confirmados la dirección, el teléfono ni el horario del consulado del Perú en {country}. "
        f"Consúltelos en el portal oficial de la Cancillería: {portal()}"
    )


# --- asking back ---------------------------------------------------------------------


@template(outcomes.CLARIFY)
def did_you_mean() -> str:
    return "¿Se refiere a alguno de estos temas? Elija uno, por favor."


@template(outcomes.CLARIFY)
def ask_country(countries: str) -> str:
    return f"¿Sobre qué país desea saber? Tengo información confirmada sobre {countries}."


@template(outcomes.CLARIFY)
def ask_country_office() -> str:
    return "¿En qué país se encuentra? Así le indico los datos confirmados del consulado."


@template(outcomes.CLARIFY)
def ask_where_stranded() -> str:
    return "¿En qué país se encuentra? Así puedo decirle qué información confirmada tengo sobre ese país."


# --- conversation --------------------------------------------------------------------


@template(outcomes.STORE_UNAVAILABLE)
def store_unavailable() -> str:
    return (
        "Disculpe, en este momento no puedo consultar mi información oficial. "
        f"Por favor, intente nuevamente en unos minutos o visite {portal()}"
    )


@template(outcomes.GUIDANCE)
def stranded_guidance() -> str:
    return (
        "Si usted es peruano y se encuentra varado en el extranjero, comuníquese cuanto antes con "
        "el consulado del Perú más cercano o con la sección consular de la embajada del Perú en ese "
        "país: es la vía para solicitar asistencia consular. Si corre un peligro inmediato, llame "
        "primero a los servicios de emergencia locales."
    )


@template(outcomes.ANSWERED)
def for_reference(country: str) -> str:
    return f"Como referencia, sobre {country}:"


@template(outcomes.HANDOFF)
def human_handoff() -> str:
    return (
        "Este chat no puede transferirle con un funcionario. Para atención personal, comuníquese con "
        "el consulado del Perú más cercano o con la sección consular de la embajada del Perú. "
        f"Encontrará sus datos de contacto en el portal oficial de la Cancillería: {portal()}"
    )


def outcome_of(name: str) -> str:
    return TEMPLATE_OUTCOMES[name]


def templates() -> List[str]:
    return sorted(TEMPLATE_OUTCOMES)

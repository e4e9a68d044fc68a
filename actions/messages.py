"""Spanish text the custom actions compose (domain.yml holds the responses rules use).

Every reply that cannot give a fact points to the official portal, OFFICIAL_PORTAL_URL.
"""
from __future__ import annotations

import settings


def portal() -> str:
    return settings.portal_url()


def not_in_sources(topic_label: str) -> str:
    return (
        f"No tengo esa información confirmada en mis fuentes oficiales ({topic_label}). "
        "Para no darle un dato incorrecto, le recomiendo consultar el portal oficial de la "
        f"Cancillería, {portal()}, o comunicarse con el consulado del Perú más cercano."
    )


def official_channels() -> str:
    return f"Para más información, consulte el portal oficial de la Cancillería: {portal()}"


def store_unavailable() -> str:
    return (
        "Disculpe, en este momento no puedo consultar mi información oficial. "
        f"Por favor, intente nuevamente en unos minutos o visite {portal()}"
    )


def stranded_guidance() -> str:
    return (
        "Si usted es peruano y se encuentra varado en el extranjero, comuníquese cuanto antes con "
        "el consulado del Perú más cercano o con la sección consular de la embajada del Perú en ese "
        "país: es la vía para solicitar asistencia consular. Si corre un peligro inmediato, llame "
        "primero a los servicios de emergencia locales."
    )


def ask_where_stranded() -> str:
    return "¿En qué país se encuentra? Así puedo decirle qué información confirmada tengo sobre ese país."


def no_office_data(country: str) -> str:
    return (
        f"No tengo confirmados la dirección, el teléfono ni el horario del consulado del Perú en {country}. "
        f"Consúltelos en el portal oficial de la Cancillería: {portal()}"
    )


def human_handoff() -> str:
    return (
        "Este chat no puede transferirle con un funcionario. Para atención personal, comuníquese con "
        "el consulado del Perú más cercano o con la sección consular de la embajada del Perú. "
        f"Encontrará sus datos de contacto en el portal oficial de la Cancillería: {portal()}"
    )


def ask_country(countries: str) -> str:
    return f"¿Sobre qué país desea saber? Tengo información confirmada sobre {countries}."


def ask_country_office() -> str:
    return "¿En qué país se encuentra? Así le indico los datos confirmados del consulado."


def missing_country(topic_label: str, country: str) -> str:
    return f"No tengo información confirmada sobre {topic_label} relacionada con {country}."


def nothing_about_country(country: str, available: str) -> str:
    return (
        f"No tengo información confirmada sobre acciones de la Cancillería relacionadas con {country}. "
        f"Tengo información sobre: {available}."
    )

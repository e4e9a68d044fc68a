"""The topics citizens ask about, their Spanish labels, and the intents that ask for them."""

from __future__ import annotations

from typing import Dict

# Topic key -> how the topic is named to a citizen (used in "no tengo ... sobre {label}").
TOPIC_LABELS: Dict[str, str] = {
    "overview": "el balance de los primeros cien días",
    "vote_abroad": "el voto de los peruanos en el extranjero",
    "election_observation": "la observación electoral de la OEA",
    "repatriation": "repatriaciones",
    "consular_assistance": "asistencia consular",
    "security_cooperation": "cooperación en seguridad",
    "integration": "integración y relaciones con países vecinos",
    "multilateral": "la participación del Perú en organismos internacionales",
    "culture": "cultura",
    "regional_visits": "las visitas de la Cancillería a las regiones",
    "procedures": "requisitos, costos y plazos de trámites consulares",
    "voting_fine": "multas o justificaciones por no votar",
    "consulate_contact": "direcciones, teléfonos y horarios de consulados",
    "country": "las acciones de la Cancillería por país",
}

# Intent -> topic whose facts answer it (action_answer_topic).
INTENT_TOPICS: Dict[str, str] = {
    "ask_overview": "overview",
    "ask_vote_abroad": "vote_abroad",
    "ask_election_observation": "election_observation",
    "ask_repatriation": "repatriation",
    "ask_security_cooperation": "security_cooperation",
    "ask_integration": "integration",
    "ask_multilateral": "multilateral",
    "ask_culture": "culture",
    "ask_regional_visits": "regional_visits",
    "ask_procedures": "procedures",
    "ask_voting_fine": "voting_fine",
}

# Topics the facts YAML may use (the loader rejects any other).
FACT_TOPICS = frozenset(TOPIC_LABELS) - {"country", "consulate_contact"}


def label(topic: str) -> str:
    return TOPIC_LABELS.get(topic, topic)

"""The machine-readable outcome every bot message carries (docs/outcomes.md).

Custom actions send it as `dispatcher.utter_message(text=…, outcome=…)`; Rasa keeps the
extra keyword in the BotUttered event's metadata (rasa/core/actions/action.py,
`create_bot_utterance`), so the tracker store holds `{"event": "bot", "metadata":
{"outcome": "answered", …}}`. Responses of domain.yml carry it in their `metadata`
map, which Rasa stores one level down (`metadata.metadata.outcome`); `outcome_of()`
reads either place, and returns None for conversations older than the field.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

ANSWERED = "answered"  # a fact from the sources answers the question
CORRECTION = "correction"  # the question's premise contradicted the sources; corrected, then answered
MISSING_DETAIL = "missing_detail"  # the topic is in the sources, the detail asked for is not
NO_INFORMATION = "no_information"  # nothing in the sources answers it (fees, phones, hours, other countries)
CLARIFY = "clarify"  # the assistant asks back ("¿Se refiere a …?", "¿en qué país?")
GUIDANCE = "guidance"  # fixed advice (stranded abroad: contact the consulate)
STORE_UNAVAILABLE = "store_unavailable"  # the facts store could not be read
FALLBACK = "fallback"  # the message was not understood
HANDOFF = "handoff"  # the citizen asked for a person: pointed to consular staff
OUT_OF_SCOPE = "out_of_scope"  # outside what the assistant answers (other State services, chit-chat)
ACKNOWLEDGEMENT = "acknowledgement"  # "ok", "listo", "👍" -> "¿Le ayudo en algo más?"
COMPLAINT = "complaint"  # frustration or an insult -> calm acknowledgement and the official channel
GREETING = "greeting"
GOODBYE = "goodbye"
THANKS = "thanks"
CAPABILITIES = "capabilities"  # what the assistant can do
BOT_IDENTITY = "bot_identity"  # "¿eres un robot?"

OUTCOMES: Dict[str, str] = {
    ANSWERED: "respondida con un hecho de las fuentes",
    CORRECTION: "premisa corregida y respondida",
    MISSING_DETAIL: "tema conocido, dato no disponible en las fuentes",
    NO_INFORMATION: "sin información confirmada",
    CLARIFY: "el asistente pide precisar",
    GUIDANCE: "orientación general",
    STORE_UNAVAILABLE: "almacén de hechos no disponible",
    FALLBACK: "mensaje no entendido",
    HANDOFF: "derivación a atención personal",
    OUT_OF_SCOPE: "fuera de alcance",
    ACKNOWLEDGEMENT: "acuse de recibo",
    COMPLAINT: "queja o frustración atendida",
    GREETING: "saludo",
    GOODBYE: "despedida",
    THANKS: "agradecimiento",
    CAPABILITIES: "qué puede hacer el asistente",
    BOT_IDENTITY: "el asistente dice que es un programa",
}

# Outcomes a reviewer counts as "the citizen did not get an answer".
UNANSWERED = frozenset({MISSING_DETAIL, NO_INFORMATION, STORE_UNAVAILABLE, FALLBACK, OUT_OF_SCOPE})


def outcome_of(event: Mapping[str, Any]) -> Optional[str]:
    """The outcome of a stored bot event (its JSON as a dict), or None if it has none."""
    metadata: Dict[str, Any] = dict(event.get("metadata") or {})
    value = metadata.get("outcome")
    if value is None and isinstance(metadata.get("metadata"), Mapping):
        value = metadata["metadata"].get("outcome")
    return value if value in OUTCOMES else None

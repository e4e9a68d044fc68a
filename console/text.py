"""Text helpers shared by the indexer, the queries and the exports.

Everything the console reads from the tracker store is data another program wrote: an
older version of the assistant, another client, a hand-edited row. `event_data` reads an
event's JSON without ever raising, `clean_text` makes any string safe to store in the
console's tables and to send to a browser (no U+0000 or other control characters, no lone
surrogates: PostgreSQL refuses the first, UTF-8 cannot encode the second), and
`outcome_of` reads the machine-readable outcome of a bot message.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any, Dict, Optional

CHANNEL_LABELS = {"socketio": "Web", "whatsapp": "WhatsApp", "twilio": "Twilio", "rest": "REST"}

# Replies that admit the assistant could not answer from its sources (actions/messages.py,
# channels/common.py): the honest "no tengo esa información confirmada" and its variants.
# Only for bot messages older than the `outcome` field (see outcome_of).
UNANSWERED_REPLY = re.compile(
    r"no tengo (?:esa )?información confirmada|no puedo responderle por un problema técnico", re.IGNORECASE
)
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = {"action_default_fallback", "action_two_stage_fallback"}
FALLBACK_RESPONSES = {"utter_default"}
HANDOFF_INTENT = "request_human"
HANDOFF_ACTIONS = {"action_human_handoff"}
OUT_OF_SCOPE_INTENT = "out_of_scope"
OUT_OF_SCOPE_RESPONSES = {"utter_out_of_scope"}

# The outcome every bot message carries in its metadata (docs/outcomes.md of the actions):
# the value, and what staff read. The order is the order of importance: a citizen message
# answered by several bot messages takes the first of their outcomes in this order (an
# outage or an honest "no tengo" matters more than the greeting sent with it).
# NOTE: the actions define the same values in actions/outcomes.py; the console keeps its
# own reader so that it needs nothing from the action server's code.
OUTCOME_LABELS: Dict[str, str] = {
    "store_unavailable": "almacén de hechos no disponible",
    "fallback": "no entendido",
    "out_of_scope": "fuera de alcance",
    "no_information": "sin información confirmada",
    "missing_detail": "dato no disponible en las fuentes",
    "handoff": "derivado a atención personal",
    "complaint": "queja o frustración",
    "correction": "premisa corregida",
    "clarify": "pidió precisar",
    "guidance": "orientación general",
    "answered": "respondida",
    "acknowledgement": "acuse de recibo",
    "greeting": "saludo",
    "goodbye": "despedida",
    "thanks": "agradecimiento",
    "capabilities": "qué puede hacer",
    "bot_identity": "identidad del asistente",
}
OUTCOME_RANK = {name: rank for rank, name in enumerate(OUTCOME_LABELS)}
# What a reviewer counts as "the citizen did not get an answer".
UNANSWERED_OUTCOMES = frozenset({"missing_detail", "no_information", "store_unavailable", "fallback", "out_of_scope"})

# C0 and C1 control characters but tab and line feed, and lone surrogates. Carriage
# returns become line feeds first.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]|[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(value: Any, limit: Optional[int] = None) -> str:
    """`value` as text the console can store and show: control characters removed, lone
    surrogates replaced by U+FFFD, at most `limit` characters. Never raises."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value) if isinstance(value, (int, float)) else ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _UNSAFE.search(value):
        value = _UNSAFE.sub(lambda m: REPLACEMENT if "\ud800" <= m.group() <= "\udfff" else "", value)
    return value[:limit] if limit is not None else value


def clean_name(value: Any, limit: int = 255) -> Optional[str]:
    """An intent, action or slot name: one line of clean text, or None."""
    text = " ".join(clean_text(value, limit * 2).split())[:limit]
    return text or None


def is_clean(value: Any) -> bool:
    """Whether `value` is a string the console can store and use as a key as it is."""
    return isinstance(value, str) and not _UNSAFE.search(value) and "\r" not in value


def normalize(text: str) -> str:
    """Lower case without accents, for accent-insensitive search ("Perú" finds "peru")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel or "desconocido")


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, with LIKE's wildcards escaped (escape char '\\')."""
    escaped = normalize(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def event_data(data: Any) -> Dict[str, Any]:
    """The JSON object Rasa stored for an event; {} for anything unreadable. Never raises."""
    value = parse_event(data)
    return value if value is not None else {}


def parse_event(data: Any) -> Optional[Dict[str, Any]]:
    """The JSON object of an event, or None when it is not one (bad JSON, a list, bytes
    that are not UTF-8, nesting too deep...)."""
    if data is None or data == "":
        return {}
    try:
        value = json.loads(data)
    except (ValueError, TypeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def mapping(value: Any) -> Dict[str, Any]:
    """`value` if it is a JSON object, else {} (a field another client filled with a list...)."""
    return value if isinstance(value, dict) else {}


def number(value: Any) -> Optional[float]:
    """A finite number, or None (JSON's NaN, a string, a boolean...)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# Epoch seconds the console can turn into a date: 1970 to 2286.
MAX_TIMESTAMP = 1e10


def timestamp(value: Any) -> Optional[float]:
    """An event's timestamp as epoch seconds, or None if it cannot be one."""
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) and 0 <= value < MAX_TIMESTAMP else None


def outcome_of(payload: Dict[str, Any]) -> Optional[str]:
    """The outcome a bot message carries: `metadata.outcome` (custom actions) or
    `metadata.metadata.outcome` (a response of domain.yml), or None for messages older
    than the field, or a value the console does not know."""
    metadata = mapping(payload.get("metadata"))
    value = metadata.get("outcome")
    if value is None:
        value = mapping(metadata.get("metadata")).get("outcome")
    return value if isinstance(value, str) and value in OUTCOME_LABELS else None


def main_outcome(*outcomes: Optional[str]) -> Optional[str]:
    """The most important of several outcomes (OUTCOME_LABELS' order)."""
    known = [o for o in outcomes if o in OUTCOME_RANK]
    return min(known, key=OUTCOME_RANK.__getitem__) if known else None


def outcome_label(outcome: Optional[str]) -> str:
    return OUTCOME_LABELS.get(outcome or "", "")

"""Text helpers shared by the indexer and the queries."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Dict, Optional

CHANNEL_LABELS = {"socketio": "Web", "whatsapp": "WhatsApp", "rest": "REST"}

# Replies that admit the assistant could not answer from its sources (actions/messages.py,
# channels/common.py): the honest "no tengo esa información confirmada" and its variants.
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


def event_data(data: Optional[str]) -> Dict[str, Any]:
    """The JSON object Rasa stored for an event; {} for anything unreadable."""
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

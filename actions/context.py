"""What the conversation so far tells the actions: the country in context, the last topic, and
the answering engine's dialogue state (the fact answered last, the options offered)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker

import settings
from actions import countries

if TYPE_CHECKING:
    from actions.answering import State


@dataclass(frozen=True)
class CountryContext:
    """The country a question is about, and whether the citizen named it in this message."""

    name: Optional[str] = None
    explicit: bool = False


def _countries_in(message: Dict[str, Any]) -> List[str]:
    """Canonical countries of a parsed user message: NLU entities first, then the text."""
    found: List[str] = []
    for entity in message.get("entities") or []:
        if entity.get("entity") == "country":
            name = countries.canonical(entity.get("value"))
            if name and name not in found:
                found.append(name)
    if not found:
        found = countries.find_in_text(message.get("text") or "")
    return found


def _earlier_user_messages(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """parse_data of user messages before the latest one, most recent first."""
    users = [e for e in events if e.get("event") == "user"]
    return [{**(e.get("parse_data") or {}), "text": e.get("text") or ""} for e in reversed(users[:-1])]


def country(tracker: Tracker, lookback: Optional[int] = None) -> CountryContext:
    """The country named in the latest message, else one named in the last few messages.

    "estoy varado en Bolivia" followed by "¿a cuántos ayudaron ahí?" is about Bolivia;
    a country mentioned many messages ago no longer is.
    """
    latest = dict(tracker.latest_message or {})
    latest.setdefault("text", latest.get("text") or "")
    named = _countries_in(latest)
    if named:
        return CountryContext(named[0], explicit=True)
    lookback = settings.context_turns() if lookback is None else lookback
    for message in _earlier_user_messages(tracker.events)[:lookback]:
        named = _countries_in(message)
        if named:
            return CountryContext(named[0], explicit=False)
    return CountryContext()


def last_topic(tracker: Tracker) -> Optional[str]:
    return tracker.get_slot("last_topic")


# --- the answering engine's dialogue state -------------------------------------------
# Kept in slots (domain.yml), in the manner of rasa_sdk.knowledge_base's
# knowledge_base_last_object / knowledge_base_objects: the fact answered last (the
# "object" follow-ups refer to), the question type answered last, and the facts offered
# in the last "¿Se refiere a …?" (the "objects" an ordinal mention picks from).

STATE_SLOTS = ("last_fact", "last_kind", "last_topic", "offered_facts", "pending_question")


def dialogue_state(tracker: Tracker) -> "State":
    from actions.answering import State

    return State(
        fact=tracker.get_slot("last_fact"),
        kind=tracker.get_slot("last_kind"),
        topic=tracker.get_slot("last_topic"),
        options=list(tracker.get_slot("offered_facts") or []),
        pending=tracker.get_slot("pending_question"),
    )


def state_events(state: "State", tracker: Optional[Tracker] = None) -> List[Dict[str, Any]]:
    """SlotSet events that store `state`: only the slots whose value changes (each event is
    stored and sent back and forth on every later turn)."""
    from rasa_sdk.events import SlotSet

    values = {
        "last_fact": state.fact,
        "last_kind": state.kind,
        "last_topic": state.topic,
        "offered_facts": list(state.options) or None,
        "pending_question": state.pending,
    }
    current = tracker.slots if tracker is not None else {}
    return [SlotSet(name, value) for name, value in values.items() if tracker is None or current.get(name) != value]


_ORDINALS = {
    1: r"\b(1|primer[oa]?|uno|una)\b",
    2: r"\b(2|segund[oa]|dos)\b",
    3: r"\b(3|tercer[oa]?|tres)\b",
}


def chosen_option(tracker: Tracker, options: List[str]) -> Optional[str]:
    """The fact a citizen picked among `options`: a button's payload entity `fact`, or an
    ordinal mention ("el segundo", "la 1"), like rasa_sdk.knowledge_base's mention resolution."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "fact" and entity.get("value"):
            return str(entity["value"])
    text = countries.fold((tracker.latest_message or {}).get("text") or "")
    for position, pattern in _ORDINALS.items():
        if position <= len(options) and re.search(pattern, text):
            return options[position - 1]
    if re.search(r"\b(ultim[oa]|abajo)\b", text) and options:
        return options[-1]
    if re.search(r"\barriba\b", text) and options:
        return options[0]
    return None

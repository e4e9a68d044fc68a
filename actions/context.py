"""What the conversation so far tells the actions: the country in context, the last topic."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker

import settings
from actions import countries


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

"""The attributes a claim can state: what kind of question each one answers.

A claim's `attribute` (data/facts/*.yml) is one of these keys. Question types
(actions/questions.py) say which attributes can answer them; the Spanish label names
the detail to a citizen when no claim states it ("La nota no indica la fecha; …").
"""

from __future__ import annotations

from typing import Dict

# attribute -> how the detail is named to a citizen
ATTRIBUTES: Dict[str, str] = {
    "action": "qué se hizo",
    "quantity": "la cantidad",
    "actor": "quién lo hizo",
    "partner": "con quién",
    "organisation": "la organización",
    "place": "el lugar",
    "origin": "el lugar de origen",
    "recipient": "a quién se destinó",
    "date": "la fecha",
    "signed": "qué se firmó",
    "discussed": "qué se trató",
    "name": "el nombre",
    "edition": "la edición",
    "reason": "el motivo",
    "purpose": "el objetivo",
    "role": "el cargo",
    "topics": "los temas",
}


def label(attribute: str) -> str:
    return ATTRIBUTES.get(attribute, attribute)

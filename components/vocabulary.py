"""Words the assistant knows: its training vocabulary and a shipped Spanish dictionary.

Shared by the components that need to tell a known word from an unknown one. Words are
compared folded (lower case, no accents), as actions.countries.fold does.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import FrozenSet, Iterable, Set

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.countries import fold

VOCABULARY_FILE = "vocabulary.json"


def words(message: Message) -> list:
    """The folded text of the message's tokens."""
    return [fold(token.text) for token in message.get(TOKENS_NAMES[TEXT]) or []]


def spellings(word: str) -> Set[str]:
    """The word as written and with its stretched letters shortened, as citizens write on
    WhatsApp: "graciassss" -> "gracias", "holaa" -> "hola", "siii" -> "si"."""
    return {word, re.sub(r"(.)\1{2,}", r"\1", word), re.sub(r"(.)\1+", r"\1", word)}


def training_vocabulary(training_data: TrainingData) -> Set[str]:
    return {word for message in training_data.training_examples for word in words(message)}


@lru_cache(maxsize=1)
def spanish_words() -> FrozenSet[str]:
    """pyspellchecker's Spanish word list (it ships inside the package), folded."""
    from spellchecker import SpellChecker

    return frozenset(fold(word) for word in SpellChecker(language="es").word_frequency.keys())


def save(vocabulary: Iterable[str], model_storage: ModelStorage, resource: Resource) -> None:
    with model_storage.write_to(resource) as directory:
        (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(vocabulary)), encoding="utf-8")


def load(model_storage: ModelStorage, resource: Resource) -> Set[str]:
    with model_storage.read_from(resource) as directory:
        return set(json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8")))

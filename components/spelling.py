"""Spelling correction of misspelt words, onto words the model was trained on.

A token is corrected only when it is neither in the training vocabulary nor a Spanish
word of pyspellchecker's shipped dictionary, is at least `min_length` letters long
(so "q", "xq", "pq" stay as they are), and lies within edit distance `distance` of a
training word. Token text changes; the message text the tracker stores does not.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.countries import fold

VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpellingCorrector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_length": 5, "distance": 1}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[Set[str]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self.model_storage = model_storage
        self.resource = resource
        self.vocabulary: Set[str] = set(vocabulary or ())
        self._checker: Any = None
        self._spanish: Any = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SpellingCorrector":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SpellingCorrector":
        with model_storage.read_from(resource) as directory:
            vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, set(vocabulary))

    def train(self, training_data: TrainingData) -> Resource:
        for message in training_data.training_examples:
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                self.vocabulary.add(fold(token.text))
        with self.model_storage.write_to(self.resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(self.vocabulary)), encoding="utf-8")
        return self.resource

    def _correct(self, word: str) -> str:
        from spellchecker import SpellChecker

        folded = fold(word)
        if len(folded) < self.config["min_length"] or not folded.isalpha() or folded in self.vocabulary:
            return word
        if self._spanish is None:
            self._spanish = SpellChecker(language="es", distance=1)
            self._checker = SpellChecker(language=None, distance=self.config["distance"])
            self._checker.word_frequency.load_words(sorted(self.vocabulary))
        if self._spanish.known([word.lower()]) or self._spanish.known([folded]):
            return word
        return self._checker.correction(folded) or word

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                corrected = self._correct(token.text)
                if corrected != token.text:
                    token.text = corrected
                    token.lemma = corrected
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

"""Spelling correction of misspelt words, onto words the model was trained on.

A token is corrected only when it is neither in the training vocabulary nor a Spanish
word of pyspellchecker's shipped dictionary, is at least `min_length` letters long
(so "q", "xq", "pq" stay as they are), and lies within edit distance `distance` of a
training word. Token text changes; the message text the tracker stores does not.
"""

from __future__ import annotations

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
from components import vocabulary


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpellingCorrector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_length": 5, "distance": 1}

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, known: Optional[Set[str]] = None
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self.model_storage = model_storage
        self.resource = resource
        self.vocabulary: Set[str] = set(known or ())
        self._checker: Any = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SpellingCorrector":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SpellingCorrector":
        return cls(config, model_storage, resource, vocabulary.load(model_storage, resource))

    def train(self, training_data: TrainingData) -> Resource:
        self.vocabulary = vocabulary.training_vocabulary(training_data)
        vocabulary.save(self.vocabulary, self.model_storage, self.resource)
        return self.resource

    def _correct(self, word: str) -> str:
        from spellchecker import SpellChecker

        folded = fold(word)
        if len(folded) < self.config["min_length"] or not folded.isalpha() or folded in self.vocabulary:
            return word
        if folded in vocabulary.spanish_words():
            return word
        if self._checker is None:
            self._checker = SpellChecker(language=None, distance=self.config["distance"])
            self._checker.word_frequency.load_words(sorted(self.vocabulary))
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

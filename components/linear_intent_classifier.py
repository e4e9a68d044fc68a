"""Intent classification with a regularised linear model over the pipeline's features.

On this assistant's data (about 1,600 short, noisy Spanish messages, 22 intents) a
linear model beats DIET on the validation split and trains in seconds instead of
minutes (docs/benchmarks/nlu.md). Features are the sentence-level features the
featurizers before it produce: the sparse n-gram counts, re-weighted with TF-IDF
(sublinear term frequency, L2-normalised), and any dense sentence vectors (the
Universal Sentence Encoder), scaled by `dense_weight`. The classifier is scikit-learn's
LogisticRegression; its probabilities are the intent confidences the
FallbackClassifier thresholds.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import joblib
import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_intent_classifier.joblib"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "C": 20.0,  # inverse regularisation strength
            "dense_weight": 0.5,  # scale of dense sentence vectors against TF-IDF features
            "max_iter": 5000,
            "random_state": 2026,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        tfidf: Optional[TfidfTransformer] = None,
        classifier: Optional[LogisticRegression] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.tfidf = tfidf
        self.classifier = classifier

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                saved = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("LinearIntentClassifier has no trained model; it will not classify.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, saved["tfidf"], saved["classifier"])

    def _sparse(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        rows = []
        for message in messages:
            _, sentence = message.get_sparse_features(TEXT)
            rows.append(scipy.sparse.csr_matrix(sentence.features) if sentence is not None else None)
        width = max((r.shape[1] for r in rows if r is not None), default=0)
        return scipy.sparse.vstack([r if r is not None else scipy.sparse.csr_matrix((1, width)) for r in rows]).tocsr()

    def _dense(self, messages: List[Message]) -> Optional[np.ndarray]:
        vectors = []
        for message in messages:
            _, sentence = message.get_dense_features(TEXT)
            if sentence is None:
                return None
            vectors.append(np.asarray(sentence.features).reshape(-1))
        return np.vstack(vectors) * self.config["dense_weight"] if vectors else None

    def _features(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        sparse = self.tfidf.transform(self._sparse(messages))
        dense = self._dense(messages)
        return scipy.sparse.hstack([sparse, scipy.sparse.csr_matrix(dense)]).tocsr() if dense is not None else sparse

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            logger.warning("LinearIntentClassifier needs at least two intents; not trained.")
            return self._resource
        self.tfidf = TfidfTransformer(sublinear_tf=True).fit(self._sparse(examples))
        self.classifier = LogisticRegression(
            C=self.config["C"], max_iter=self.config["max_iter"], random_state=self.config["random_state"]
        ).fit(self._features(examples), [m.get(INTENT) for m in examples])
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump({"tfidf": self.tfidf, "classifier": self.classifier}, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.classifier is None:
            return messages
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return messages
        probabilities = self.classifier.predict_proba(self._features(with_text))
        for message, row in zip(with_text, probabilities):
            order = np.argsort(row)[::-1][: self.config["ranking_length"]]
            ranking = [{"name": str(self.classifier.classes_[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

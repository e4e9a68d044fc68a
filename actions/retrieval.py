"""Finding the facts and claims a question is about: lexical matching plus sentence embeddings.

Each claim is indexed with its sentence, value, terms and list items, and with its
fact's subject, keywords and countries. A question is scored against every claim:

  score = lexical coverage (share of the question's content words, weighted by rarity,
          found in the claim's text; words are compared by their first letters so that
          "repatriaron" finds "repatriados")
        + EMBEDDING_WEIGHT × cosine similarity of the sentence embeddings
        + small priors (the topic the NLU recognised, the fact answered last, a country
          named in the question that the fact is or is not about)

A fact's score is its best claim's. Pure functions over store objects; the encoder
is passed in (actions/embeddings.py), so tests can use the real one or none.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from actions import countries as country_names
from actions import embeddings
from actions.questions import content_words, tokens
from actions.store import Claim, Fact, fingerprint

EMBEDDING_WEIGHT = 0.6
# Cosine similarities of unrelated texts are not zero: e5 puts most pairs around 0.75-0.8,
# USE around 0. Each encoder's similarities are rescaled so that the median similarity
# between claims is 0 and identity is 1.
TOPIC_PRIOR = 0.15
# A claim that states what the question type asks for ("¿dónde?" and a place).
KIND_MATCH = 0.2
# A fact whose multi-word keyword appears whole in the question ("reuniones bilaterales").
PHRASE_MATCH = 0.3
COUNTRY_MATCH = 0.35
COUNTRY_MISMATCH = -0.5


def stem(word: str) -> str:
    """A crude Spanish stem: plural endings off, then the first five letters
    ("repatriaron", "repatriados" -> "repat"; "visitó", "visitas" -> "visit"; "países" -> "pais")."""
    if len(word) > 4 and word.endswith("es"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    return word[:5]


def stems(text: str) -> List[str]:
    return list(_stems(text))


@lru_cache(maxsize=8192)
def _stems(text: str) -> Tuple[str, ...]:
    return tuple(stem(w) for w in content_words(text))


@dataclass
class Entry:
    fact: Fact
    claim: Optional[Claim]  # None: the fact's own answer, for broad questions
    text: str  # what is embedded
    stems: frozenset


@dataclass
class Index:
    facts: List[Fact]
    entries: List[Entry]
    idf: Dict[str, float]
    fingerprint: str
    encoder: Optional[embeddings.Encoder] = None
    vectors: Optional[np.ndarray] = None
    baseline: float = 0.0  # median similarity of a question to an unrelated claim
    phrases: Dict[str, List[str]] = field(default_factory=dict)  # fact key -> its multi-word keywords, stemmed


def claim_text(fact: Fact, claim: Optional[Claim]) -> str:
    """The text a claim is matched by (its words and its fact's subject)."""
    if claim is None:
        return " ".join(filter(None, [fact.subject, fact.answer]))
    parts = [claim.sentence or "", claim.value, fact.subject or ""]
    return " ".join(p for p in parts if p)


def _lexical_text(fact: Fact, claim: Optional[Claim]) -> str:
    parts = [claim_text(fact, claim), " ".join(fact.keywords or ()), " ".join(fact.countries)]
    if claim is not None:
        parts += [" ".join(claim.terms or ()), " ".join(claim.items or ())]
    return " ".join(parts)


def build(facts: Sequence[Fact], encoder: Optional[embeddings.Encoder] = None) -> Index:
    entries: List[Entry] = []
    for fact in facts:
        entries.append(Entry(fact, None, claim_text(fact, None), frozenset(stems(_lexical_text(fact, None)))))
        for claim in fact.claims:
            entries.append(Entry(fact, claim, claim_text(fact, claim), frozenset(stems(_lexical_text(fact, claim)))))
    document_frequency = Counter(s for e in entries for s in e.stems)
    total = max(len(entries), 1)
    idf = {s: math.log(1 + total / df) for s, df in document_frequency.items()}
    index = Index(list(facts), entries, idf, fingerprint(facts), encoder)
    index.phrases = {
        fact.key: [f" {' '.join(stems(k))} " for k in fact.keywords or () if len(k.split()) > 1] for fact in facts
    }
    if encoder is not None and entries:
        index.vectors = embeddings.passages_for(encoder, index.fingerprint, [e.text for e in entries])
        similarities = index.vectors @ index.vectors.T
        index.baseline = float(np.median(similarities))
    return index


@dataclass
class Scored:
    entry: Entry
    score: float
    lexical: float
    semantic: float


@dataclass
class Ranking:
    """Claims ranked for one question, and the facts they belong to (best first)."""

    claims: List[Scored] = field(default_factory=list)

    def facts(self) -> List[Tuple[Fact, float]]:
        best: Dict[str, Tuple[Fact, float]] = {}
        for scored in self.claims:
            key = scored.entry.fact.key
            if key not in best or scored.score > best[key][1]:
                best[key] = (scored.entry.fact, scored.score)
        return sorted(best.values(), key=lambda pair: -pair[1])

    def best_lexical(self) -> float:
        return max((s.lexical for s in self.claims), default=0.0)


def lexical(index: Index, question_stems: Sequence[str], entry: Entry) -> float:
    """Share of the question's content (weighted by rarity) that the entry's text contains."""
    weights = {s: index.idf.get(s, 0.0) for s in set(question_stems)}
    total = sum(weights.values())
    if total == 0:
        return 0.0
    return sum(w for s, w in weights.items() if s in entry.stems) / total


def rank(
    index: Index,
    text: str,
    topic: Optional[str] = None,
    named_countries: Sequence[str] = (),
    query_vector: Optional[np.ndarray] = None,
    accepts: Sequence[str] = (),
    context_countries: Sequence[str] = (),
) -> Ranking:
    """Every claim of the index scored for the question `text`."""
    question_stems = stems(text)
    deictic = bool(re.search(r"\b(ahi|alli|alla|aca|aqui)\b", " ".join(tokens(text))))
    semantic = np.zeros(len(index.entries), dtype=np.float32)
    if index.vectors is not None and index.encoder is not None and question_stems:
        vector = query_vector if query_vector is not None else index.encoder.queries([text])[0]
        semantic = index.vectors @ vector
        semantic = np.clip((semantic - index.baseline) / max(1e-6, 1 - index.baseline), -1, 1)
    phrase = " " + " ".join(question_stems) + " "
    phrased = {key for key, phrases in index.phrases.items() if any(p in phrase for p in phrases)}
    scored: List[Scored] = []
    for i, entry in enumerate(index.entries):
        lex = lexical(index, question_stems, entry)
        score = lex + EMBEDDING_WEIGHT * float(semantic[i])
        if entry.fact.key in phrased:
            score += PHRASE_MATCH
        if (
            accepts
            and entry.claim is not None
            and (entry.claim.attribute in accepts or ("quantity" in accepts and entry.claim.amount is not None))
        ):
            score += KIND_MATCH
        if topic and entry.fact.topic == topic:
            score += TOPIC_PRIOR
        if named_countries and entry.fact.countries:
            score += COUNTRY_MATCH if set(named_countries) & set(entry.fact.countries) else COUNTRY_MISMATCH
        elif context_countries and set(context_countries) & set(entry.fact.countries):
            # Named in an earlier message: a hint, not a constraint; "ahí", "allá" point at it.
            score += COUNTRY_MATCH if deictic else COUNTRY_MATCH / 2
        scored.append(Scored(entry, score, lex, float(semantic[i])))
    scored.sort(key=lambda s: -s.score)
    return Ranking(scored)


def known_words(index: Index) -> frozenset:
    """Every stem the facts use: a question word outside it is a detail the facts do not state."""
    return frozenset(index.idf)


def countries_in(text: str) -> List[str]:
    return country_names.find_in_text(text)

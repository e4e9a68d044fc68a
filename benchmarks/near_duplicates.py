"""Near-duplicates between the NLU data sets: a held-out message that is a near copy of a
training example measures memory, not understanding.

The exact-text leak check misses "cuando son las elecciones para los peruanos en el exterior"
against the training example with "extranjero", or "el canciller fue a tumbes?" against
"el canciller fue a iquitos?". Two messages are near-duplicates here when, compared in their
normal form (lower case, no accents, punctuation turned into spaces, single spaces), any of
these rules holds:

1. **same text**;
2. **characters**: rapidfuzz's normalised InDel similarity, 2·LCS / (len a + len b), is at
   least 0.9 (the longest common subsequence of characters; never lower than
   `difflib.SequenceMatcher.ratio`, so it flags at least what difflib would);
3. **words**: the words they share, order ignored (Sørensen–Dice over the multisets of
   words, 2·|A∩B| / (|A| + |B|)), are at least 0.9 of the words;
4. **one word apart**: both have at least 3 words, and inserting, removing or replacing a
   single word turns one into the other.

tests/test_nlu_quality.py runs it on the validation and held-out sets against the training
data (data/nlu/), and on the held-out set against validation. To see what it finds:

    python -m benchmarks.near_duplicates
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

CHARACTER_SIMILARITY = 0.9
WORD_OVERLAP = 0.9
ONE_WORD_APART_MIN_WORDS = 3

_PUNCTUATION = re.compile(r"[^\w\s]|_")


def normalise(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces, single spaces ("¿Cuándo?" -> "cuando")."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", stripped.lower()).split())


@dataclass(frozen=True)
class NearDuplicate:
    """A message too close to a reference example, and the rule that says so."""

    message: str
    example: str
    rule: str

    def __str__(self) -> str:
        return f"{self.message!r} ≈ {self.example!r} ({self.rule})"


@dataclass(frozen=True)
class _Form:
    """What the rules compare: the normal form, its words, and its words sorted."""

    text: str
    words: List[str]
    sorted_words: List[str]

    @classmethod
    def of(cls, message: str) -> "_Form":
        text = normalise(message)
        words = text.split()
        return cls(text, words, sorted(words))


def _rule(a: _Form, b: _Form) -> Optional[str]:
    if a.text == b.text:
        return "same text"
    characters = fuzz.ratio(a.text, b.text) / 100
    if characters >= CHARACTER_SIMILARITY:
        return f"characters {characters:.2f}"
    # The InDel similarity of two sorted word lists is the Dice overlap of their multisets.
    words = fuzz.ratio(a.sorted_words, b.sorted_words) / 100
    if words >= WORD_OVERLAP:
        return f"words {words:.2f}"
    if min(len(a.words), len(b.words)) >= ONE_WORD_APART_MIN_WORDS and Levenshtein.distance(a.words, b.words) <= 1:
        return "one word apart"
    return None


def near_duplicate_rule(message: str, example: str) -> Optional[str]:
    """The first rule under which the two are near-duplicates ("same text", "characters 0.93",
    "words 0.91", "one word apart"), or None when they are different messages."""
    return _rule(_Form.of(message), _Form.of(example))


def near_duplicates(messages: Iterable[str], examples: Iterable[str]) -> List[NearDuplicate]:
    """Every (message, example) pair that is a near-duplicate, in the order of `messages`.

    All pairs are scored at once (rapidfuzz's cdist), with cut-offs a little under the rules',
    and the pairs that pass are then decided by the rules themselves."""
    messages, examples = list(dict.fromkeys(messages)), list(dict.fromkeys(examples))
    if not messages or not examples:
        return []
    ours = [_Form.of(m) for m in messages]
    theirs = [_Form.of(e) for e in examples]
    margin = 1  # a point under each cut-off: cdist scores are float32
    close = (
        process.cdist(
            [f.text for f in ours],
            [f.text for f in theirs],
            scorer=fuzz.ratio,
            score_cutoff=100 * CHARACTER_SIMILARITY - margin,
        )
        > 0
    )
    close |= (
        process.cdist(
            [f.sorted_words for f in ours],
            [f.sorted_words for f in theirs],
            scorer=fuzz.ratio,
            score_cutoff=100 * WORD_OVERLAP - margin,
        )
        > 0
    )
    close |= (
        process.cdist([f.words for f in ours], [f.words for f in theirs], scorer=Levenshtein.distance, score_cutoff=1)
        <= 1
    )
    found = []
    for i, j in zip(*close.nonzero()):
        rule = _rule(ours[i], theirs[j])
        if rule:
            found.append(NearDuplicate(messages[i], examples[j], rule))
    return found


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Lists the near-duplicates the quality tests refuse; exits 1 when there is any."""
    from benchmarks.nlu import SPLITS, TRAIN_DIR, load_examples

    training = load_examples(TRAIN_DIR)
    validation = load_examples(SPLITS["validation"])
    heldout = load_examples(SPLITS["heldout"])
    checks = [
        ("validation", validation, "training", training),
        ("heldout", heldout, "training", training),
        ("heldout", heldout, "validation", validation),
    ]
    total = 0
    for name, split, reference_name, reference in checks:
        found = near_duplicates([t for t, _ in split], [t for t, _ in reference])
        flagged = len({d.message for d in found})
        print(f"{name} vs {reference_name}: {flagged} of {len(split)} messages are near-duplicates")
        ours: Dict[str, str] = dict(split)
        theirs: Dict[str, str] = dict(reference)
        for d in found:
            print(f"  [{ours[d.message]}] {d.message!r}\n    ≈ [{theirs[d.example]}] {d.example!r} ({d.rule})")
        total += flagged
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

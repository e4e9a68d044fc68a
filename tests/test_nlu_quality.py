"""Guards on understanding: the held-out set stays apart, and accuracy does not drop.

The held-out set (tests/nlu_heldout.yml) was written independently of the training
data and is never trained on; the validation split (tests/nlu_validation.yml) is
what thresholds are tuned on. Neither may hold a copy or a near copy of a training
example, nor the held-out set of a validation message (benchmarks/near_duplicates.py:
`python -m benchmarks.near_duplicates` lists what these tests refuse). The accuracy
floor sits a little under what the project's pipeline reaches (see
docs/benchmarks/nlu.md), so that a data or config change that breaks understanding
fails CI.
"""

import asyncio
from collections import Counter

import pytest
import yaml

from benchmarks.near_duplicates import near_duplicates
from benchmarks.nlu import SPLITS, TRAIN_DIR, load_examples, score
from tests.conftest import MODEL, ROOT

# With the five intents of the answering work (acknowledge, complain, ask_source,
# ask_followup, choose_option; insults relabelled from out_of_scope to complain) the held-out
# set has 27 intents. Reached on 2026-12-02 after the evaluation messages of the new intents
# that were near copies of training ones were replaced: 0.898, 0.896 and 0.800. Floors a
# little under that; raise them with the figures (docs/benchmarks/nlu.md).
HELDOUT_ACCURACY_FLOOR = 0.885
HELDOUT_MACRO_F1_FLOOR = 0.88
OUT_OF_SCOPE_F1_FLOOR = 0.78


@pytest.fixture(scope="module")
def training():
    return load_examples(TRAIN_DIR)


@pytest.fixture(scope="module")
def heldout():
    return load_examples(SPLITS["heldout"])


@pytest.fixture(scope="module")
def validation():
    return load_examples(SPLITS["validation"])


@pytest.mark.parametrize(
    "split, reference",
    [
        ("validation", "training"),
        ("heldout", "training"),
        ("heldout", "validation"),
    ],
)
def test_no_evaluation_message_is_a_copy_or_near_copy(request, split, reference):
    """Same text once case, accents and punctuation are ignored, 0.9 of the characters or of
    the words in common, or one word apart: a message the model has (nearly) seen measures
    memory, not understanding. Replace the evaluation message with a new one, or leave the
    training example out."""
    found = near_duplicates(
        [text for text, _ in request.getfixturevalue(split)], [text for text, _ in request.getfixturevalue(reference)]
    )
    messages = len({d.message for d in found})
    assert not found, f"{messages} {split} messages near {reference} ones:\n" + "\n".join(map(str, found))


def test_heldout_covers_every_intent_and_enough_out_of_scope(heldout):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    counts = Counter(intent for _, intent in heldout)
    assert len(heldout) >= 400
    assert set(counts) == set(domain["intents"])
    assert counts["out_of_scope"] >= 60
    assert min(counts.values()) >= 15


@pytest.mark.slow
def test_heldout_understanding_stays_above_the_floor(heldout):
    """Scores the model trained for this test run (models/asistente.tar.gz)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))

    async def parse_all():
        return [(await agent.parse_message(text))["intent"]["name"] for text, _ in heldout]

    result = score("project", [intent for _, intent in heldout], asyncio.run(parse_all()), 0, 0)
    summary = (
        f"exactitud {result.accuracy:.3f}, F1 macro {result.macro_f1:.3f}, "
        f"F1 fuera de alcance {result.oos_f1:.3f}; más débiles: {result.worst}"
    )
    assert result.accuracy >= HELDOUT_ACCURACY_FLOOR, summary
    assert result.macro_f1 >= HELDOUT_MACRO_F1_FLOOR, summary
    assert result.oos_f1 >= OUT_OF_SCOPE_F1_FLOOR, summary

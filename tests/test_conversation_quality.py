"""The held-out half of the conversation set does not fall below what the assistant reaches.

Plays tests/conversations/heldout.yml over REST against this test run's servers with the
benchmark's own scoring (benchmarks/conversations.py). Issue 10's targets are strict
accuracy per turn of 0.92 overall and 0.85 in every category with no number, name or link
without a source; the assistant does not reach them yet (second held-out scoring: 0.815
overall, false premises 0.47, missing details 0.68; docs/benchmarks/conversations.md), so
the floors sit a little under what it reaches, as in tests/test_nlu_quality.py, and a
change that loses ground fails. Raise them toward the targets as the assistant improves.
The ungrounded floor is the target itself: none. Only aggregate figures are reported: the
held-out conversations are not to be read to tune the assistant
(tests/conversations/README.md).
"""

import pytest

from benchmarks.conversations import load_split, score

TARGET_ACCURACY, TARGET_CATEGORY = 0.92, 0.85  # issue 10; not reached yet
ACCURACY_FLOOR = 0.79  # reached: 0.815
CATEGORY_FLOOR = 0.42  # reached: 0.474 (false_premise); every other category 0.67 or more


@pytest.mark.slow
def test_heldout_conversations_stay_above_the_floors(servers):
    report = score(load_split("heldout"), servers.rasa_url, facts_url=servers.env["FACTS_DB_URL"])
    by_category = {name: figures.accuracy for name, figures in report.by_category().items()}
    summary = (
        f"exactitud {report.accuracy:.3f}; por categoría "
        + ", ".join(f"{name} {value:.2f}" for name, value in sorted(by_category.items()))
        + f"; sin fuente {len(report.ungrounded)}"
    )
    assert report.accuracy >= ACCURACY_FLOOR, summary
    assert min(by_category.values()) >= CATEGORY_FLOOR, summary
    assert len(report.ungrounded) == 0, summary

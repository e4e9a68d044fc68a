"""The console and the actions agree on the outcomes a bot message can carry.

The console keeps its own copy (console/text.py: labels in order of importance, the
unanswered set) so that it needs nothing from the action server's code; this test makes
the two copies one contract: a new outcome in actions/outcomes.py must be labelled and
ranked in the console, and both must agree on what counts as "sin respuesta".
"""

from actions import outcomes
from console.text import OUTCOME_LABELS, UNANSWERED_OUTCOMES


def test_every_outcome_the_actions_send_has_a_label_and_a_rank_in_the_console():
    assert set(OUTCOME_LABELS) == set(outcomes.OUTCOMES)


def test_both_count_the_same_outcomes_as_unanswered():
    assert UNANSWERED_OUTCOMES == outcomes.UNANSWERED

"""The training data, domain and dialogue, checked with Rasa's own tools."""

import subprocess
import warnings

import pytest
import yaml

from actions.topics import FACT_TOPICS, INTENT_TOPICS, TOPIC_LABELS
from scripts.serve import BIN
from tests.conftest import MODEL, ROOT

RASA = str(BIN / "rasa")


def domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


# utter_default is sent by action_fallback (after searching the facts) and by Rasa's own
# action_default_fallback, utter_out_of_scope and utter_capabilities by action_out_of_scope
# and action_capabilities (unless the message follows up on the last answer); the validator
# only looks for responses in stories and rules.
SENT_BY_ACTIONS = ("utter_default", "utter_out_of_scope", "utter_capabilities")


def test_rasa_data_validate_reports_no_warnings():
    result = subprocess.run([RASA, "data", "validate"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    warnings_seen = [line for line in output.splitlines() if "UserWarning" in line]
    unexpected = [
        w
        for w in warnings_seen
        if not any(f"The utterance '{name}' is not used in any story or rule" in w for name in SENT_BY_ACTIONS)
    ]
    assert unexpected == [], output[-3000:]


@pytest.mark.parametrize("path", ["data/nlu", "tests/nlu_heldout.yml", "tests/nlu_validation.yml"])
def test_every_example_is_read(path):
    """Rasa skips malformed examples (a blank line in a block, say) with only a warning."""
    from rasa.shared.nlu.training_data.loading import load_data

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_data(str(ROOT / path))
    skipped = [str(w.message) for w in caught if "will be skipped" in str(w.message)]
    assert not skipped, skipped


def test_every_intent_has_a_rule():
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    ruled = {step["intent"] for rule in rules for step in rule["steps"] if "intent" in step}
    assert set(domain()["intents"]) <= ruled


def test_topic_intents_map_to_labelled_topics():
    assert set(INTENT_TOPICS) <= set(domain()["intents"])
    assert set(INTENT_TOPICS.values()) <= FACT_TOPICS <= set(TOPIC_LABELS)


def test_quick_reply_buttons_trigger_existing_intents():
    data = domain()
    intents = set(data["intents"])
    for name, variants in data["responses"].items():
        for variant in variants:
            for button in variant.get("buttons", []):
                assert button["payload"].lstrip("/") in intents, (name, button)
                assert len(button["title"]) <= 20, button["title"]  # fits a WhatsApp reply button


@pytest.mark.slow
def test_test_stories_pass_without_prediction_errors(tmp_path):
    result = subprocess.run(
        [
            RASA,
            "test",
            "core",
            "--model",
            str(MODEL),
            "--stories",
            "tests/test_stories.yml",
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-3000:] + result.stderr[-3000:]

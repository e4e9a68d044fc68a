"""The outcome contract: every message the actions and the domain send says what happened."""

import inspect

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import messages, outcomes
from actions.actions import (
    ActionAnswerCountry,
    ActionAnswerTopic,
    ActionChooseOption,
    ActionConsulateContact,
    ActionFallback,
    ActionHumanHandoff,
    ActionStranded,
)
from actions.store import _store_for
from tests.conftest import ROOT, country_entity, make_tracker


def template_functions():
    return {
        name: f
        for name, f in inspect.getmembers(messages, inspect.isfunction)
        if f.__module__ == messages.__name__
        and inspect.signature(f).return_annotation in ("str", str)
        and name not in ("portal", "join", "number", "outcome_of")
    }


def test_every_template_maps_to_exactly_one_known_outcome():
    functions = template_functions()
    assert set(functions) == set(messages.TEMPLATE_OUTCOMES), "a template without an outcome, or a stale entry"
    for name in functions:
        assert messages.TEMPLATE_OUTCOMES[name] in outcomes.OUTCOMES, name
        assert functions[name].outcome == messages.TEMPLATE_OUTCOMES[name]


def test_registering_a_template_with_an_unknown_outcome_fails():
    with pytest.raises(ValueError):
        messages.template("maybe")


def test_every_domain_response_carries_an_outcome():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for variant in variants:
            assert variant.get("metadata", {}).get("outcome") in outcomes.OUTCOMES, name


def test_outcome_of_reads_action_and_response_events_and_old_ones():
    assert outcomes.outcome_of({"event": "bot", "metadata": {"outcome": "answered"}}) == "answered"
    assert (
        outcomes.outcome_of(
            {"event": "bot", "metadata": {"metadata": {"outcome": "fallback"}, "utter_action": "utter_default"}}
        )
        == "fallback"
    )
    assert outcomes.outcome_of({"event": "bot", "text": "Hola"}) is None  # before the field existed
    assert outcomes.outcome_of({"event": "bot", "metadata": {"outcome": "made-up"}}) is None


@pytest.mark.parametrize(
    "action, text, intent, entities, history, slots, expected",
    [
        (ActionAnswerTopic(), "cuantos repatriaron de jamaica", "ask_repatriation", [], [], {}, {"answered"}),
        (ActionAnswerTopic(), "cuanto cuesta el pasaporte", "ask_procedures", [], [], {}, {"no_information"}),
        (ActionAnswerTopic(), "me dijeron que trajeron 500 de bolivia", "ask_repatriation", [], [], {}, {"correction"}),
        (
            ActionAnswerTopic(),
            "en que aerolinea volvieron los de jamaica",
            "ask_repatriation",
            [],
            [],
            {},
            {"missing_detail"},
        ),
        (
            ActionAnswerTopic(),
            "repatriaron peruanos de chile?",
            "ask_repatriation",
            [country_entity("Chile")],
            [],
            {},
            {"no_information"},
        ),
        (ActionAnswerCountry(), "qué hizo la cancillería en ese país", "ask_country_actions", [], [], {}, {"clarify"}),
        (
            ActionStranded(),
            "estoy varado en bolivia",
            "report_stranded",
            [country_entity("Bolivia")],
            [],
            {},
            {"guidance", "answered", "no_information"},
        ),
        (ActionConsulateContact(), "telefono del consulado", "ask_consulate_contact", [], [], {}, {"no_information"}),
        (ActionHumanHandoff(), "quiero hablar con alguien", "request_human", [], [], {}, {"handoff"}),
        (ActionFallback(), "ok 👍", "nlu_fallback", [], [], {}, {"acknowledgement"}),
        (ActionFallback(), "no sirves, inutil", "nlu_fallback", [], [], {}, {"complaint"}),
        (ActionFallback(), "asdkjh qwpoeiru", "nlu_fallback", [], [], {}, {"fallback"}),
        (
            ActionChooseOption(),
            "el segundo",
            "choose_option",
            [],
            [],
            {"offered_facts": ["repatriation.jamaica", "repatriation.bolivia"]},
            {"answered"},
        ),
    ],
)
def test_every_action_message_carries_its_outcome(use_store, action, text, intent, entities, history, slots, expected):
    dispatcher = CollectingDispatcher()
    action.run(dispatcher, make_tracker(text, intent, entities, history=history, slots=slots), {})
    assert dispatcher.messages
    assert {m.get("outcome") for m in dispatcher.messages} == expected


def test_the_store_being_down_is_its_own_outcome(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    monkeypatch.setenv("FACTS_DB_URL", f"sqlite:///{blocker}/facts.db")
    _store_for.cache_clear()
    dispatcher = CollectingDispatcher()
    ActionAnswerTopic().run(dispatcher, make_tracker("repatriaciones", "ask_repatriation"), {})
    assert [m["outcome"] for m in dispatcher.messages] == ["store_unavailable"]
    _store_for.cache_clear()


def test_choosing_an_offered_fact_answers_the_pending_question(use_store):
    dispatcher = CollectingDispatcher()
    slots = {
        "offered_facts": ["culture.heritage_goods", "repatriation.bolivia"],
        "pending_question": "cuantos trajeron",
    }
    tracker = make_tracker(
        '/choose_option{"fact": "culture.heritage_goods"}',
        "choose_option",
        [{"entity": "fact", "value": "culture.heritage_goods"}],
        slots=slots,
    )
    events = ActionChooseOption().run(dispatcher, tracker, {})
    assert "347 bienes" in dispatcher.messages[0]["text"]
    assert {e["name"]: e["value"] for e in events}["last_fact"] == "culture.heritage_goods"

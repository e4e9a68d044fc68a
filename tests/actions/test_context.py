from actions import context
from tests.conftest import country_entity, make_tracker, user_event


def test_country_named_in_the_latest_message():
    tracker = make_tracker("y en bolivia?", "inform_country", [country_entity("bolivia")])
    assert context.country(tracker) == context.CountryContext("Bolivia", explicit=True)


def test_country_found_in_the_text_when_nlu_missed_it():
    tracker = make_tracker("q paso en jamaica", "ask_repatriation")
    assert context.country(tracker) == context.CountryContext("Jamaica", explicit=True)


def test_country_carried_over_from_a_recent_message():
    history = [user_event("estoy varado en Bolivia", "report_stranded", [country_entity("Bolivia")])]
    tracker = make_tracker("¿a cuántos peruanos ayudaron ahí?", "ask_repatriation", history=history)
    assert context.country(tracker) == context.CountryContext("Bolivia", explicit=False)


def test_the_most_recent_country_wins():
    history = [
        user_event("qué hizo la cancillería en Jamaica", "ask_country_actions", [country_entity("Jamaica")]),
        user_event("y en Bolivia?", "inform_country", [country_entity("Bolivia")]),
    ]
    tracker = make_tracker("cuántos fueron", "ask_repatriation", history=history)
    assert context.country(tracker).name == "Bolivia"


def test_a_country_named_long_ago_is_forgotten():
    history = [user_event("estoy en Bolivia", "inform_country", [country_entity("Bolivia")])]
    history += [user_event("gracias", "thank") for _ in range(3)]
    tracker = make_tracker("cuántos peruanos repatriaron", "ask_repatriation", history=history)
    assert context.country(tracker) == context.CountryContext()


def test_last_topic_comes_from_the_slot():
    tracker = make_tracker("y en chile", "inform_country", slots={"last_topic": "repatriation"})
    assert context.last_topic(tracker) == "repatriation"

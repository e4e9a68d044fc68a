"""The Rasa custom actions: thin wrappers that read the facts store and answer.

Every answer comes from the store, cites its source, and says honestly when the store
has nothing; a store failure gets a polite apology instead of silence.
"""
from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import answers, context, messages
from actions.store import FactStore, get_store
from actions.topics import INTENT_TOPICS, label

logger = logging.getLogger(__name__)


def _join(names: List[str]) -> str:
    """'Bolivia', 'Bolivia y Jamaica', 'Bolivia, Chile y Jamaica'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " y " + names[-1]


class StoreAction(Action, metaclass=ABCMeta):
    """Base class: runs `answer` against the store and apologises if the store fails."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        try:
            return self.answer(dispatcher, tracker, get_store())
        except (SQLAlchemyError, OSError):
            logger.exception("Facts store unavailable in %s (sender %s)", self.name(), tracker.sender_id)
            dispatcher.utter_message(text=messages.store_unavailable())
            return []

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        """Utter the answer; return the events to apply."""


def answer_topic(
    dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore, topic: str, where: context.CountryContext
) -> None:
    """Answer a question about `topic`, narrowed to the country in context if it has facts."""
    facts = store.facts(topic=topic)
    if not facts:
        dispatcher.utter_message(text=messages.not_in_sources(label(topic)))
        return
    selection = answers.select(facts, where.name, tracker.latest_message.get("text") or "", where.explicit)
    if not selection.missing_country:
        dispatcher.utter_message(text=answers.render(selection.facts))
        return
    intro = messages.missing_country(label(topic), selection.missing_country)
    if selection.facts:
        dispatcher.utter_message(text=answers.render(selection.facts, intro=intro + " Esto es lo que sí tengo sobre el tema:"))
        return
    about_country = store.facts(country=selection.missing_country)
    if about_country:
        intro += f" Sobre {selection.missing_country} sí tengo esto:"
        dispatcher.utter_message(text=answers.render(about_country, intro=intro))
    else:
        dispatcher.utter_message(
            text=f"{intro} Sobre {label(topic)} tengo información de: {_join(selection.countries_available)}."
        )
    dispatcher.utter_message(text=messages.official_channels())


def answer_country(dispatcher: CollectingDispatcher, store: FactStore, country: Optional[str]) -> None:
    """Everything the store says about one country."""
    if not country:
        dispatcher.utter_message(text=messages.ask_country(_join(store.countries())))
        return
    facts = store.facts(country=country)
    if facts:
        dispatcher.utter_message(text=answers.render(facts))
        return
    dispatcher.utter_message(text=messages.nothing_about_country(country, _join(store.countries())))
    dispatcher.utter_message(text=messages.official_channels())


def answer_offices(dispatcher: CollectingDispatcher, store: FactStore, country: Optional[str]) -> bool:
    """Sourced contact details of the consular offices in `country`; False if there are none."""
    offices = store.offices(country) if country else []
    if offices:
        dispatcher.utter_message(text=answers.render_offices(offices))
    return bool(offices)


def answer_stranded(dispatcher: CollectingDispatcher, store: FactStore, country: Optional[str]) -> None:
    """What a Peruvian stranded abroad should do, and what the store knows about that country."""
    dispatcher.utter_message(text=messages.stranded_guidance())
    if not country:
        dispatcher.utter_message(text=messages.ask_where_stranded())
        return
    related = [f for f in store.facts(country=country) if f.topic in ("repatriation", "consular_assistance")]
    if related:
        dispatcher.utter_message(text=answers.render(related, intro=f"Como referencia, sobre {country}:"))
    if not answer_offices(dispatcher, store, country):
        dispatcher.utter_message(text=messages.no_office_data(country))


class ActionAnswerTopic(StoreAction):
    """Questions about one topic of the sources (voting abroad, repatriations, ...)."""

    def name(self) -> Text:
        return "action_answer_topic"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = INTENT_TOPICS.get(intent)
        if topic is None:
            logger.warning("action_answer_topic called for unmapped intent %r", intent)
            dispatcher.utter_message(response="utter_default")
            return []
        answer_topic(dispatcher, tracker, store, topic, context.country(tracker))
        return [SlotSet("last_topic", topic)]


class ActionAnswerCountry(StoreAction):
    """"¿Qué hizo la Cancillería en Jamaica?" and follow-ups such as "¿y en Bolivia?"."""

    def name(self) -> Text:
        return "action_answer_country"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        where = context.country(tracker)
        topic = context.last_topic(tracker) if intent == "inform_country" else None
        if topic and where.name:
            if topic == "consular_assistance":
                answer_stranded(dispatcher, store, where.name)
                return []
            if topic == "consulate_contact":
                if not answer_offices(dispatcher, store, where.name):
                    dispatcher.utter_message(text=messages.not_in_sources(label(topic)))
                return []
            if topic != "country":
                answer_topic(dispatcher, tracker, store, topic, context.CountryContext(where.name, explicit=True))
                return []
        answer_country(dispatcher, store, where.name)
        return [SlotSet("last_topic", "country")]


class ActionStranded(StoreAction):
    """"Estoy varado en Bolivia": consular guidance plus what the store knows there."""

    def name(self) -> Text:
        return "action_stranded"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        answer_stranded(dispatcher, store, context.country(tracker).name)
        return [SlotSet("last_topic", "consular_assistance")]


class ActionConsulateContact(StoreAction):
    """Address, phone or opening hours of a consulate: only what an official directory says."""

    def name(self) -> Text:
        return "action_consulate_contact"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        country = context.country(tracker).name
        if not answer_offices(dispatcher, store, country):
            if country is None and store.offices():
                dispatcher.utter_message(text=messages.ask_country_office())
            else:
                dispatcher.utter_message(text=messages.not_in_sources(label("consulate_contact")))
        return [SlotSet("last_topic", "consulate_contact")]


class ActionHumanHandoff(StoreAction):
    """The citizen wants a person: say how to reach consular staff, with sourced contacts."""

    def name(self) -> Text:
        return "action_human_handoff"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        dispatcher.utter_message(text=messages.human_handoff())
        answer_offices(dispatcher, store, context.country(tracker).name)
        return []

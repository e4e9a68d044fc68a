"""The Rasa custom actions: thin wrappers that read the facts store and answer.

Questions go to the answering engine (actions/answering.py), which answers from the
facts' claims; topic-level answers (actions/answers.py) remain for what the engine
cannot place. Every message carries a machine-readable `outcome` in its metadata
(actions/outcomes.py, docs/outcomes.md). Every answer comes from the store, cites its
source, and says honestly when the store has nothing; a store failure gets a polite
apology instead of silence.
"""

from __future__ import annotations

import logging
import re
import threading
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import answers, context, embeddings, messages, outcomes, smalltalk
from actions.answering import Engine, Reply, State
from actions.questions import analyse, split
from actions.store import FactStore, fingerprint, get_store
from actions.topics import INTENT_TOPICS, label

logger = logging.getLogger(__name__)

_join = messages.join


def say(dispatcher: CollectingDispatcher, text: str, outcome: str, **kwargs: Any) -> None:
    """Send `text` with its outcome in the message metadata."""
    dispatcher.utter_message(text=text, outcome=outcome, **kwargs)


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    if reply.text is None:  # not understood: domain.yml's fallback, with the topic buttons
        dispatcher.utter_message(response="utter_default", outcome=reply.outcome)
    else:
        say(dispatcher, reply.text, reply.outcome, buttons=reply.buttons or None)


# --- the engine, one per content of the facts store -------------------------------------

_engines: Dict[Text, Any] = {}
_engines_lock = threading.Lock()


def engine_for(store: FactStore) -> Engine:
    """The answering engine over the store's current facts. Every turn reads a cheap
    version of the store (counts and update times); the facts themselves are read, and
    the engine and its claim embeddings rebuilt, only when a load changed them (a
    `python -m actions.cli load` needs no restart)."""
    url = str(store.engine.url)
    version = store.version()
    with _engines_lock:
        cached = _engines.get(url)
    if cached is not None and cached[0] == version:
        return cached[1]
    facts = store.facts()
    key = fingerprint(facts)
    engine = cached[1] if cached is not None and cached[2] == key else Engine(facts, embeddings.load())
    with _engines_lock:
        _engines[url] = (version, engine, key)
    return engine


def warm_up() -> None:
    """Load the encoder and embed the claims before the first citizen writes."""
    try:
        engine_for(get_store())
    except Exception:  # the store may not exist yet; the first question builds the engine
        logger.info("Answering engine not warmed up (facts store not readable yet)", exc_info=True)


threading.Thread(target=warm_up, name="answering-warm-up", daemon=True).start()


class StoreAction(Action, metaclass=ABCMeta):
    """Base class: runs `answer` against the store and apologises if the store fails."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        try:
            return self.answer(dispatcher, tracker, get_store())
        except (SQLAlchemyError, OSError):
            logger.exception("Facts store unavailable in %s (sender %s)", self.name(), tracker.sender_id)
            say(dispatcher, messages.store_unavailable(), outcomes.STORE_UNAVAILABLE)
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
        say(dispatcher, messages.not_in_sources(label(topic)), outcomes.NO_INFORMATION)
        return
    selection = answers.select(facts, where.name, tracker.latest_message.get("text") or "", where.explicit)
    if not selection.missing_country:
        say(dispatcher, answers.render(selection.facts), outcomes.ANSWERED)
        return
    missing = selection.missing_country
    if selection.facts:
        intro = messages.missing_country_but(label(topic), missing)
        say(dispatcher, answers.render(selection.facts, intro=intro), outcomes.NO_INFORMATION)
        return
    about_country = store.facts(country=missing)
    if about_country:
        intro = messages.missing_country_other(label(topic), missing)
        say(dispatcher, answers.render(about_country, intro=intro), outcomes.NO_INFORMATION)
    else:
        text = messages.missing_country_available(label(topic), missing, _join(selection.countries_available))
        say(dispatcher, text, outcomes.NO_INFORMATION)
    say(dispatcher, messages.official_channels(), outcomes.NO_INFORMATION)


def answer_country(dispatcher: CollectingDispatcher, store: FactStore, country: Optional[str]) -> None:
    """Everything the store says about one country."""
    if not country:
        say(dispatcher, messages.ask_country(_join(store.countries())), outcomes.CLARIFY)
        return
    facts = store.facts(country=country)
    if facts:
        say(dispatcher, answers.render(facts), outcomes.ANSWERED)
        return
    say(dispatcher, messages.nothing_about_country(country, _join(store.countries())), outcomes.NO_INFORMATION)
    say(dispatcher, messages.official_channels(), outcomes.NO_INFORMATION)


def answer_offices(dispatcher: CollectingDispatcher, store: FactStore, country: Optional[str]) -> bool:
    """Sourced contact details of the consular offices in `country`; False if there are none."""
    offices = store.offices(country) if country else []
    if offices:
        say(dispatcher, answers.render_offices(offices), outcomes.ANSWERED)
    return bool(offices)


def answer_stranded(dispatcher: CollectingDispatcher, store: FactStore, country: Optional[str]) -> None:
    """What a Peruvian stranded abroad should do, and what the store knows about that country."""
    say(dispatcher, messages.stranded_guidance(), outcomes.GUIDANCE)
    if not country:
        say(dispatcher, messages.ask_where_stranded(), outcomes.CLARIFY)
        return
    related = [f for f in store.facts(country=country) if f.topic in ("repatriation", "consular_assistance")]
    if related:
        say(dispatcher, answers.render(related, intro=messages.for_reference(country)), outcomes.ANSWERED)
    if not answer_offices(dispatcher, store, country):
        say(dispatcher, messages.no_office_data(country), outcomes.NO_INFORMATION)


_FROM_THE_FACTS = frozenset({outcomes.ANSWERED, outcomes.MISSING_DETAIL, outcomes.CORRECTION})


def answer_question(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    store: FactStore,
    topic: Optional[str],
    state: Optional[State] = None,
    only_facts: bool = False,
    engine: Optional[Engine] = None,
) -> Optional[List[EventType]]:
    """Answer the latest message with the engine; None if it found nothing to say (the
    caller then answers at topic level or falls back). With `only_facts`, only a reply
    from the facts counts (an answer, a missing detail, a correction)."""
    text = tracker.latest_message.get("text") or ""
    state = state or context.dialogue_state(tracker)
    where = context.country(tracker)
    earlier = [where.name] if where.name and not where.explicit else []
    result = (engine or engine_for(store)).respond(text, topic, state, context_countries=earlier)
    if not result.answered:
        return None
    if only_facts and not all(r.outcome in _FROM_THE_FACTS for r in result.replies):
        return None
    for reply in result.replies:
        send(dispatcher, reply)
    return context.state_events(result.state, tracker)


class ActionAnswerTopic(StoreAction):
    """Questions about the sources: "¿cuántos volvieron de Jamaica?", "¿y qué firmaron?",
    "¿visitó Piura?", or a whole topic ("¿qué se hizo por el voto en el exterior?")."""

    def name(self) -> Text:
        return "action_answer_topic"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = INTENT_TOPICS.get(intent)
        where = context.country(tracker)
        engine = engine_for(store)
        text = tracker.latest_message.get("text") or ""
        if (
            topic is not None
            and not any(f.topic == topic for f in engine.facts)
            and len(split(text, is_subject=engine.is_subject)) == 1
        ):
            # Fees, fines, hours: nothing in the sources; say so instead of guessing.
            say(dispatcher, messages.not_in_sources(label(topic)), outcomes.NO_INFORMATION)
            return [SlotSet("last_topic", topic)]
        # A button's payload ("/ask_vote_abroad") names a topic, not a question.
        events = None if text.startswith("/") else answer_question(dispatcher, tracker, store, topic, engine=engine)
        if events is not None:
            return events
        if topic is None:
            send(dispatcher, Reply(None, outcomes.FALLBACK))
            return []
        answer_topic(dispatcher, tracker, store, topic, where)
        return [SlotSet("last_topic", topic), SlotSet("last_fact", None)]


class ActionAnswerCountry(StoreAction):
    """ "¿Qué hizo la Cancillería en Jamaica?" and follow-ups such as "¿y en Bolivia?"."""

    def name(self) -> Text:
        return "action_answer_country"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        where = context.country(tracker)
        topic = context.last_topic(tracker) if intent == "inform_country" else None
        state = context.dialogue_state(tracker)
        if topic and where.name:
            if topic == "consular_assistance":
                answer_stranded(dispatcher, store, where.name)
                return []
            if topic == "consulate_contact":
                if not answer_offices(dispatcher, store, where.name):
                    say(dispatcher, messages.not_in_sources(label(topic)), outcomes.NO_INFORMATION)
                return []
        text = tracker.latest_message.get("text") or ""
        question = analyse(text)
        # A follow-up ("¿y en Bolivia?", "¿y con ese país qué más?"), a specific question
        # about a country, or a place that is not a country ("¿hizo algo en Arequipa?").
        engine = engine_for(store)
        if (
            state.fact
            or (where.explicit and question.kind not in ("broad", "which"))
            or (not where.name and engine.mentions(text))
            or len(split(text, is_subject=engine.is_subject)) > 1
        ):
            events = answer_question(dispatcher, tracker, store, None, state)
            if events is not None:
                return events
        if topic and topic != "country" and where.name:
            answer_topic(dispatcher, tracker, store, topic, context.CountryContext(where.name, explicit=True))
            return []
        answer_country(dispatcher, store, where.name)
        return [SlotSet("last_topic", "country"), SlotSet("last_fact", None)]


class ActionChooseOption(StoreAction):
    """The citizen picked one of the facts offered in "¿Se refiere a …?" (a button, or
    "el segundo"): answer the pending question about that fact."""

    def name(self) -> Text:
        return "action_choose_option"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        state = context.dialogue_state(tracker)
        key = context.chosen_option(tracker, state.options)
        engine = engine_for(store)
        fact = engine.by_key.get(key or "")
        if fact is None:
            # "¿cuál fue la primera?" with nothing offered: a question, not a choice.
            events = answer_question(dispatcher, tracker, store, None, state)
            if events is not None:
                return events
            send(dispatcher, Reply(None, outcomes.FALLBACK))
            return []
        chosen = State(fact=fact.key, topic=fact.topic)
        if state.pending:
            result = engine.respond(state.pending, fact.topic, chosen)
            if result.answered and result.state.fact == fact.key:
                for reply in result.replies:
                    send(dispatcher, reply)
                return context.state_events(result.state, tracker)
        send(dispatcher, engine.whole_fact(fact))
        return context.state_events(chosen, tracker)


class ActionUnlessFollowUp(StoreAction, metaclass=ABCMeta):
    """A response of the domain, unless the message is a short question about the last
    answer that the NLU took for something else ("¿cuándo?", "¿y a Lima?", "¿y de qué
    temas?" right after an answer): then the facts answer it."""

    response: Text = ""
    outcome: Text = ""

    @abstractmethod
    def name(self) -> Text:
        """The action's name (abstract here, so that rasa-sdk does not register this base)."""

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        state = context.dialogue_state(tracker)
        if state.fact and smalltalk.is_short_followup(text) and self.follows_up(text):
            events = answer_question(dispatcher, tracker, store, None, state, only_facts=True)
            if events is not None:
                return events
        dispatcher.utter_message(response=self.response, outcome=self.outcome)
        return []

    def follows_up(self, text: str) -> bool:
        return True


class ActionOutOfScope(ActionUnlessFollowUp):
    response = "utter_out_of_scope"
    outcome = outcomes.OUT_OF_SCOPE

    def name(self) -> Text:
        return "action_out_of_scope"


class ActionCapabilities(ActionUnlessFollowUp):
    """ "¿Qué puede hacer?" gets the topics; "¿y de qué temas?" after an answer is a question."""

    response = "utter_capabilities"
    outcome = outcomes.CAPABILITIES

    def name(self) -> Text:
        return "action_capabilities"

    def follows_up(self, text: str) -> bool:
        from actions.countries import fold

        return not re.search(
            r"\b(puedes|puede|sabes|sabe|haces|hace usted|ayudarme|ofreces|temas tienes)\b", fold(text)
        )


class ActionFallback(StoreAction):
    """A message the NLU did not place: an acknowledgement, a complaint, or a question the
    facts may still answer (searched over all claims) before "no logré entender"."""

    def name(self) -> Text:
        return "action_fallback"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        if smalltalk.is_acknowledgement(text):
            dispatcher.utter_message(response="utter_anything_else", outcome=outcomes.ACKNOWLEDGEMENT)
            return []
        if smalltalk.is_complaint(text):
            dispatcher.utter_message(response="utter_complaint", outcome=outcomes.COMPLAINT)
            return []
        events = answer_question(dispatcher, tracker, store, None)
        if events is not None:
            return events
        send(dispatcher, Reply(None, outcomes.FALLBACK))
        return []


_FIRST_PERSON = re.compile(
    r"\b(estoy|estamos|me|mi|mis|nos|yo|quede|quedamos|necesito|necesitamos|ayudeme|ayudenme|ayuda|auxilio|"
    r"urgente|hijo|hija|esposo|esposa|familiar|mama|papa|hermano|hermana|primo|prima|tio|tia|amigo|amiga)\b"
)


def _about_others(text: str) -> bool:
    """A question about people in the news ("¿por qué estaban varados?"), not a citizen
    asking for help for themselves or their family."""
    from actions.countries import fold

    question = analyse(text)
    return question.kind != "broad" and not _FIRST_PERSON.search(fold(text))


class ActionStranded(StoreAction):
    """ "Estoy varado en Bolivia": consular guidance plus what the store knows there."""

    def name(self) -> Text:
        return "action_stranded"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        state = context.dialogue_state(tracker)
        if state.fact and _about_others(text):
            # "¿y por qué estaban varados allá?" asks about the last answer, not for help.
            events = answer_question(dispatcher, tracker, store, None, state)
            if events is not None:
                return events
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
                say(dispatcher, messages.ask_country_office(), outcomes.CLARIFY)
            else:
                say(dispatcher, messages.not_in_sources(label("consulate_contact")), outcomes.NO_INFORMATION)
        return [SlotSet("last_topic", "consulate_contact")]


class ActionHumanHandoff(StoreAction):
    """The citizen wants a person: say how to reach consular staff, with sourced contacts."""

    def name(self) -> Text:
        return "action_human_handoff"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: FactStore) -> List[EventType]:
        say(dispatcher, messages.human_handoff(), outcomes.HANDOFF)
        answer_offices(dispatcher, store, context.country(tracker).name)
        return []

"""The answering engine: from a citizen's message to cited replies built from claims.

For each question of the message (actions/questions.py splits them), in order:
  1. analyse it: type (cuántos, quién, dónde, cuándo, sí/no…), asserted numbers and places;
  2. rank the claims (actions/retrieval.py), with the topic the NLU recognised and, for a
     follow-up, the fact answered last as priors;
  3. pick the fact it is about and, within it, the claim that answers its type;
     aggregate (totals, counts), check the premise (numbers, places, dates), or say
     which detail the sources do not state;
  4. write the reply: the answering sentence first, at most one supporting sentence,
     then the citation (actions/messages.py templates around sentences of the store).

Pure Python over store objects; the Rasa actions (actions/actions.py) are thin
wrappers that read the store, keep the dialogue state in slots, and send the replies.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from actions import answers, attributes, embeddings, messages, outcomes, retrieval
from actions import countries as country_names
from actions.countries import fold
from actions.questions import Question, analyse, content_words, split
from actions.store import Claim, Fact, Source

# A fact is taken as the subject of a question when its best claim scores at least this.
CONFIDENT = 0.55
# Below CONFIDENT but above this, the closest facts are offered ("¿Se refiere a …?").
CLARIFY = 0.3
# Priors for a follow-up: the fact answered last, and its topic.
CONTEXT_FACT = 0.45
CONTEXT_TOPIC = 0.15
# Two facts whose quantities share a measure are added up when neither stands out by this.
AGGREGATE_MARGIN = 0.2
MAX_OPTIONS = 3
# A broad question also gets the facts of the same topic that score within this of the best.
BROAD_MARGIN = 0.12
_PLACE_ATTRIBUTES = ("place", "origin")
_WHO_ATTRIBUTES = ("partner", "organisation", "actor", "recipient", "signed")

# Peruvian regions and cities a citizen may ask about ("¿visitó Cusco?"); the places the
# facts name are added from the claims' items.
PERU_PLACES = (
    "Amazonas Áncash Apurímac Arequipa Ayacucho Cajamarca Callao Cusco Huancavelica Huánuco Ica Junín "
    "Lambayeque Lima Loreto Moquegua Pasco Piura Puno Tacna Tumbes Ucayali Chiclayo Trujillo Iquitos "
    "Huancayo Chimbote Juliaca Pucallpa Tarapoto Huaraz Chancay Chachapoyas Abancay Moyobamba"
).split() + ["La Libertad", "Madre de Dios", "San Martín", "Puerto Maldonado", "Cerro de Pasco"]

# Questions about the source itself: its date, number, title, issuer.
_ABOUT_SOURCE = re.compile(
    r"\b(nota( de prensa)?|fuente|fuentes|comunicado|documento que usa|de donde (saca|sacas|obtiene))\b"
)


@dataclass
class Reply:
    text: Optional[str]  # None for the fallback: the action sends domain.yml's utter_default
    outcome: str
    buttons: List[Dict[str, str]] = field(default_factory=list)


@dataclass
class State:
    """What the conversation remembers between turns (kept in slots by the actions)."""

    fact: Optional[str] = None  # key of the fact answered last
    kind: Optional[str] = None  # the question type answered last ("quantity", "place"...)
    topic: Optional[str] = None
    options: List[str] = field(default_factory=list)  # facts offered in "¿Se refiere a …?"
    pending: Optional[str] = None  # the question those options were offered for


@dataclass
class Result:
    replies: List[Reply]
    state: State

    @property
    def answered(self) -> bool:
        return any(r.outcome != outcomes.FALLBACK for r in self.replies)


class Engine:
    """Answers questions over a set of facts (all the store's, read for this turn)."""

    def __init__(self, facts: Sequence[Fact], encoder: Optional[embeddings.Encoder] = None,
                 on: Optional[dt.date] = None) -> None:
        self.facts = list(facts)
        self.by_key = {f.key: f for f in self.facts}
        self.index = retrieval.build(self.facts, encoder)
        self.fixed_on = on
        items = {item for f in self.facts for c in f.claims for item in c.items or ()}
        self.entities = sorted(set(PERU_PLACES) | items | set(country_names.known()), key=lambda n: -len(n))

    @property
    def on(self) -> dt.date:
        """The day answers are true on (today in Lima, unless fixed for a test)."""
        return self.fixed_on or answers.today()

    # --- entry point ---------------------------------------------------------------

    def respond(self, text: str, topic: Optional[str] = None, state: Optional[State] = None,
                context_countries: Sequence[str] = ()) -> Result:
        """Replies to every question of `text`, in order. `topic` is the NLU's topic for the
        whole message (used only when it has a single question); `context_countries` are
        countries named in the citizen's previous messages ("estoy varado en Bolivia", then
        "¿a cuántos ayudaron ahí?")."""
        state = state or State()
        parts = split(text) or [text]
        replies: List[Reply] = []
        for part in parts:
            part_replies, state = self.answer(part, topic if len(parts) == 1 else None, state, context_countries)
            replies.extend(part_replies)
        if len(parts) > 1 and all(r.outcome == outcomes.FALLBACK for r in replies):
            replies = replies[:1]
        return Result(replies, state)

    def answer(self, text: str, topic: Optional[str], state: State,
               context_countries: Sequence[str] = ()) -> Tuple[List[Reply], State]:
        question = analyse(text)
        if _ABOUT_SOURCE.search(question.folded) and not self._names_a_fact(question):
            return [self.about_source(question)], state
        named = retrieval.countries_in(text)
        ranking = retrieval.rank(self.index, text, topic, named, accepts=question.accepts,
                                 context_countries=[] if named else list(context_countries))
        if not named and context_countries and not state.fact:
            named = [c for c in context_countries if any(c in f.countries for f in self.facts)]
        self._apply_context(ranking, question, state, named)
        ranked = ranking.facts()
        if not ranked:
            return [Reply(None, outcomes.FALLBACK)], state
        fact, score = ranked[0]
        last = self.by_key.get(state.fact or "")
        if last is not None and not named and not content_words(text):
            # "¿por qué?", "¿cuántos fueron?": nothing but the question, about the last answer.
            fact, score = last, CONFIDENT
        if score < CONFIDENT:
            options = [f for f, s in ranked[:MAX_OPTIONS] if s >= CLARIFY]
            if options:
                return [self.clarify(options)], replace(state, options=[f.key for f in options], pending=text)
            return [Reply(None, outcomes.FALLBACK)], state
        reply, kind = self.about_fact(fact, question, ranking, named, state)
        new_state = State(fact=fact.key, kind=kind or state.kind, topic=fact.topic)
        return [reply], new_state

    def _names_a_fact(self, question: Question) -> bool:
        """"la nota dice cuántos volvieron de Bolivia?" is about Bolivia, not about the note."""
        ignore = {"nota", "prensa", "fuente", "fuentes", "dice", "fecha", "numero", "titulo", "titula", "publico",
                  "publicada", "emitio", "usa", "usas", "sacas", "saca", "informacion", "datos", "oficial"}
        words = [w for w in content_words(question.text) if w not in ignore]
        return bool(words) and retrieval.rank(self.index, " ".join(words)).best_lexical() >= 0.5

    def _apply_context(self, ranking: retrieval.Ranking, question: Question, state: State,
                       named: Sequence[str]) -> None:
        """A follow-up leans on the fact answered last (and its topic)."""
        last = self.by_key.get(state.fact or "")
        if last is None:
            return
        strong = ranking.best_lexical() >= 0.6 and not question.followup
        if strong:
            return
        for scored in ranking.claims:
            fact = scored.entry.fact
            if named and fact.countries and not set(named) & set(fact.countries):
                continue
            if fact.key == last.key and not (named and fact.countries and not set(named) & set(fact.countries)):
                scored.score += CONTEXT_FACT
            elif fact.topic == last.topic:
                scored.score += CONTEXT_TOPIC + (CONTEXT_FACT if named and set(named) & set(fact.countries) else 0)
        ranking.claims.sort(key=lambda s: -s.score)

    # --- one fact ----------------------------------------------------------------------

    def about_fact(self, fact: Fact, question: Question, ranking: retrieval.Ranking, named: Sequence[str],
                   state: State) -> Tuple[Reply, Optional[str]]:
        kind = question.kind
        # An entity follow-up ("¿y de Bolivia?") asks again what was asked last.
        if kind in ("yesno", "which", "broad") and question.followup and state.kind and named \
                and len(content_words(question.text)) <= 2:
            kind = state.kind
            question = replace(question, kind=kind)
        if kind == "quantity" or question.numbers:
            reply = self.quantity(fact, question, ranking, named)
            if reply is not None:
                return reply, "quantity"
        if question.months:
            reply = self.check_date(fact, question)
            if reply is not None:
                return reply, "date"
        if kind == "yesno":
            return self.yes_no(fact, question, ranking), kind
        if kind == "broad":
            return self.broad(fact, ranking), None
        claims = self.claims_of(fact, ranking)
        if kind == "which":
            unknown = self._unknown_detail(question)
            if unknown:
                return self.missing(fact, unknown), kind
            claim = claims[0] if claims else None
            return (self.say(fact, [claim]) if claim else self.whole_fact(fact)), kind
        if kind == "list":
            listed = [c for c in claims if c.items]
            if listed:
                return self.say(fact, [listed[0]]), kind
            return self.say(fact, claims[:1]) if claims else self.whole_fact(fact), kind
        accepted = [c for attribute in question.accepts for c in claims if c.attribute == attribute]
        if accepted:
            return self.say(fact, [accepted[0]]), kind
        detail = self._unknown_detail(question) or question.detail or attributes.label(question.accepts[0])
        return self.missing(fact, detail), kind

    def claims_of(self, fact: Fact, ranking: retrieval.Ranking) -> List[Claim]:
        """The fact's claims, best match to the question first."""
        order = [s.entry.claim for s in ranking.claims if s.entry.fact.key == fact.key and s.entry.claim is not None]
        return order

    def _unknown_detail(self, question: Question) -> Optional[str]:
        """The noun asked about ("aerolínea") when no fact uses that word."""
        if not question.detail:
            return None
        if retrieval.stem(question.detail) in retrieval.known_words(self.index):
            return None
        return _with_article(question.detail)

    # --- kinds of answers ----------------------------------------------------------------

    def quantity(self, fact: Fact, question: Question, ranking: retrieval.Ranking,
                 named: Sequence[str]) -> Optional[Reply]:
        claims = [c for c in self.claims_of(fact, ranking) if c.amount is not None]
        if not claims:
            if question.kind == "quantity":
                return self.missing(fact, self._unknown_detail(question) or "la cantidad")
            return None
        claim = claims[0]
        # Quantities that add up: the same measure in other facts, none named in particular.
        siblings = self._same_measure(claim, fact)
        if siblings and (question.total or (not named and not self._stands_out(fact, siblings, ranking))):
            return self.total(claim, fact, siblings, question)
        asserted = [n for n in question.numbers if n != claim.amount]
        if question.numbers and asserted and claim.amount not in question.numbers:
            return self.correct_number(fact, claim, asserted[0], siblings)
        sentence = answers.claim_sentence(fact, claim, self.on)
        if question.numbers and question.kind == "yesno":
            return self.cited(messages.yes(sentence), [fact], outcomes.ANSWERED)
        return self.say(fact, [claim])

    def _same_measure(self, claim: Claim, fact: Fact) -> List[Tuple[Fact, Claim]]:
        if not claim.measure:
            return []
        return [(f, c) for f in self.facts if f.key != fact.key for c in f.claims if c.measure == claim.measure]

    def _stands_out(self, fact: Fact, siblings: Sequence[Tuple[Fact, Claim]], ranking: retrieval.Ranking) -> bool:
        scores = dict((f.key, s) for f, s in ranking.facts())
        best_other = max(scores.get(f.key, 0.0) for f, _ in siblings)
        return scores.get(fact.key, 0.0) - best_other >= AGGREGATE_MARGIN

    def total(self, claim: Claim, fact: Fact, siblings: Sequence[Tuple[Fact, Claim]], question: Question) -> Reply:
        pairs = sorted([(fact, claim)] + list(siblings), key=lambda p: p[0].position)
        amount = sum(c.amount for _, c in pairs)
        parts = [messages.total_part(messages.number(c.amount), _where(f)) for f, c in pairs]
        text = messages.total(messages.number(amount), claim.unit, parts)
        if question.numbers and amount not in question.numbers and not any(c.amount in question.numbers for _, c in pairs):
            text = messages.correction(f"{messages.number(amount)} {claim.unit}", _number_phrase(question.numbers[0])) \
                + " " + text
            return self.cited(text, [f for f, _ in pairs], outcomes.CORRECTION)
        return self.cited(text, [f for f, _ in pairs], outcomes.ANSWERED)

    def correct_number(self, fact: Fact, claim: Claim, wrong: float, siblings: Sequence[Tuple[Fact, Claim]]) -> Reply:
        right = f"{messages.number(claim.amount)} {claim.unit}" if claim.unit else messages.number(claim.amount)
        if claim.qualifier:
            right = f"{claim.qualifier} {right}"
        text = messages.correction(right, _number_phrase(wrong)) + " " + answers.claim_sentence(fact, claim, self.on)
        elsewhere = [f for f, c in siblings if c.amount == wrong]
        if elsewhere:
            text += " " + messages.correction_elsewhere(_number_phrase(wrong), _subject(elsewhere[0]))
        return self.cited(text, [fact] + elsewhere, outcomes.CORRECTION)

    def check_date(self, fact: Fact, question: Question) -> Optional[Reply]:
        dated = [c for c in fact.claims if c.dated]
        if not dated or fact.event_date is None:
            return None
        month = answers.spanish_date(fact.event_date, "month").split(" ")[0]
        if month in question.months:
            return self.cited(messages.yes(answers.claim_sentence(fact, dated[0], self.on)), [fact], outcomes.ANSWERED)
        right = answers.spanish_date(fact.event_date, fact.event_precision or "day")
        text = messages.correction_date(right) + " " + answers.claim_sentence(fact, dated[0], self.on)
        return self.cited(text, [fact], outcomes.CORRECTION)

    def yes_no(self, fact: Fact, question: Question, ranking: retrieval.Ranking) -> Reply:
        asserted = self.entities_in(question.text)
        claims = self.claims_of(fact, ranking)
        for entity in asserted:
            matching = [c for c in claims if any(fold(entity) == fold(item) for item in c.items or ())]
            if matching:
                return self.cited(messages.yes(answers.claim_sentence(fact, matching[0], self.on)), [fact],
                                  outcomes.ANSWERED)
            stated = [c for c in claims if fold(entity) in fold(c.value)]
            if stated:
                return self.cited(messages.yes(answers.claim_sentence(fact, stated[0], self.on)), [fact],
                                  outcomes.ANSWERED)
        for entity in asserted:
            if fold(entity) in fold(fact.subject or "") or entity in fact.countries:
                continue
            slots = _PLACE_ATTRIBUTES if self.is_place(entity) else _WHO_ATTRIBUTES
            relevant = [c for attribute in slots for c in claims if c.attribute == attribute]
            if not relevant:
                continue
            claim = relevant[0]
            sentence = answers.claim_sentence(fact, claim, self.on)
            if claim.items:
                return self.cited(messages.not_mentioned(f"a {entity} en relación con {_subject(fact)}", sentence),
                                  [fact], outcomes.MISSING_DETAIL)
            return self.cited(messages.correction_value(sentence), [fact], outcomes.CORRECTION)
        return self.say(fact, claims[:1]) if claims else self.whole_fact(fact)

    def is_place(self, entity: str) -> bool:
        return entity in PERU_PLACES or country_names.canonical(entity) is not None or any(
            fold(entity) in [fold(i) for i in c.items or ()] for f in self.facts for c in f.claims
            if c.attribute in _PLACE_ATTRIBUTES)

    def entities_in(self, text: str) -> List[str]:
        """Places, countries and listed names a question asserts, as the facts spell them."""
        folded = f" {' '.join(retrieval.words(text))} "
        found: List[str] = []
        for name in self.entities:
            key = " ".join(retrieval.words(name))
            if key and f" {key} " in folded and not any(fold(key) in fold(f) for f in found):
                found.append(country_names.canonical(name) or name)
        return found

    def broad(self, fact: Fact, ranking: retrieval.Ranking) -> Reply:
        """A broad question: the fact's whole answer, with the facts of its topic that match
        the question as well ("repatriaciones": Jamaica and Bolivia)."""
        scores = dict((f.key, s) for f, s in ranking.facts())
        best = scores.get(fact.key, 0.0)
        close = [f for f in self.facts if f.topic == fact.topic and best - scores.get(f.key, 0.0) <= BROAD_MARGIN]
        return Reply(answers.render(close or [fact], on=self.on), outcomes.ANSWERED)

    def whole_fact(self, fact: Fact) -> Reply:
        return Reply(answers.render([fact], on=self.on), outcomes.ANSWERED)

    def say(self, fact: Fact, claims: Sequence[Claim]) -> Reply:
        sentences = [answers.claim_sentence(fact, c, self.on) for c in claims if c is not None]
        if not sentences:
            return self.whole_fact(fact)
        return self.cited(messages.answer(sentences), [fact], outcomes.ANSWERED)

    def missing(self, fact: Fact, detail: str) -> Reply:
        return self.cited(messages.missing_detail(detail, _subject(fact)), [fact], outcomes.MISSING_DETAIL)

    def clarify(self, options: Sequence[Fact]) -> Reply:
        buttons = [{"title": _button_title(f), "payload": f'/choose_option{{"fact": "{f.key}"}}'} for f in options]
        return Reply(messages.did_you_mean(), outcomes.CLARIFY, buttons)

    def cited(self, text: str, facts: Iterable[Fact], outcome: str) -> Reply:
        return Reply(f"{text}\n\n{answers.citation(f.source for f in facts)}", outcome)

    def about_source(self, question: Question) -> Reply:
        sources: List[Source] = []
        for fact in self.facts:
            if fact.source.key not in {s.key for s in sources}:
                sources.append(fact.source)
        if not sources:
            return Reply(messages.not_in_sources("las fuentes"), outcomes.NO_INFORMATION)
        source = sources[0]
        date = answers.spanish_date(source.published_on)
        if question.kind == "date":
            text = messages.source_date(source.title, date)
        elif re.search(r"\b(numero|cual es la nota|que nota)\b", question.folded):
            text = messages.source_number(source.title)
        elif re.search(r"\b(titulo|titula|se llama|nombre|encabezado|titular)\b", question.folded) and source.headline:
            text = messages.source_title(source.title, source.headline)
        else:
            text = messages.source_answer(source.title, source.issuer, date, source.headline or source.title)
        return Reply(text, outcomes.ANSWERED)


def _subject(fact: Fact) -> str:
    return fact.subject or fact.key


def _where(fact: Fact) -> str:
    """How a part of a total is told: 'desde Jamaica' for a repatriation, else the subject."""
    if fact.countries and fact.topic == "repatriation":
        return f"desde {messages.join(list(fact.countries))}"
    if fact.countries:
        return f"en {messages.join(list(fact.countries))}"
    return f"en {_subject(fact)}"


def _button_title(fact: Fact) -> str:
    """A short button title (WhatsApp reply buttons take 20 characters)."""
    title = (fact.subject or fact.key)
    title = re.sub(r"^(el|la|los|las) ", "", title)
    title = title[0].upper() + title[1:]
    return title if len(title) <= 20 else title[:19].rstrip() + "…"


def _number_phrase(value: float) -> str:
    return messages.number(value)


def _with_article(noun: str) -> str:
    feminine = noun.endswith(("a", "as", "cion", "ciones", "dad", "dades")) and noun not in ("dia", "dias", "mapa", "programa")
    plural = noun.endswith("s")
    article = ("las" if plural else "la") if feminine else ("los" if plural else "el")
    return f"{article} {_accented(noun)}"


_ACCENTS = {"aerolinea": "aerolínea", "avion": "avión", "dia": "día", "ano": "año", "numero": "número",
            "direccion": "dirección", "telefono": "teléfono", "institucion": "institución", "duracion": "duración",
            "razon": "razón", "compania": "compañía", "region": "región", "pais": "país"}


def _accented(noun: str) -> str:
    return _ACCENTS.get(noun, noun)

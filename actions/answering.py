"""The answering engine: from a citizen's message to cited replies built from claims.

For each question of the message (actions/questions.py splits them), in order:
  1. analyse it: type (cuántos, quién, dónde, cuándo, sí/no…), asserted numbers, places,
     names and dates, whether it leans on the previous answer;
  2. questions about the source itself, or about what no source covers (fees, phones),
     are answered directly; an elliptical follow-up ("¿y de Bolivia?", "¿y a Tumbes?")
     asks the previous question again about another entity;
  3. otherwise rank the claims (actions/retrieval.py), with the topic the NLU recognised
     and, for a follow-up, the fact answered last as priors; pick the fact the question
     is about and, within it, the claim that answers its type;
  4. aggregate (totals, counts), check the premise (numbers, places, names, dates, words
     the note never uses), or say which detail the source does not state;
  5. write the reply: the answering sentence first, at most one supporting sentence, then
     the citation (actions/messages.py templates around sentences of the store).

Pure Python over store objects; the Rasa actions (actions/actions.py) are thin
wrappers that read the store, keep the dialogue state in slots, and send the replies.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from actions import answers, embeddings, messages, outcomes, retrieval
from actions import countries as country_names
from actions.countries import fold
from actions.questions import STOPWORDS, Question, analyse, content_words, split, tokens
from actions.store import Claim, Fact, Source
from actions.topics import label

# A fact is taken as the subject of a question when its best claim scores at least this.
CONFIDENT = 0.55
# Below CONFIDENT but above this, the closest facts are offered ("¿Se refiere a …?").
CLARIFY = 0.3
# Priors for a follow-up: the fact answered last, and its topic.
CONTEXT_FACT = 0.45
CONTEXT_TOPIC = 0.15
# Two facts whose quantities share a measure are added up when neither stands out by this.
AGGREGATE_MARGIN = 0.2
# A broad question also gets the facts of the same topic that score within this of the best.
BROAD_MARGIN = 0.12
MAX_OPTIONS = 3
SOURCE = "@source"  # the state's "fact" after a question about the source itself

_PLACE_ATTRIBUTES = ("place", "origin")
_ORG_ATTRIBUTES = ("place", "organisation", "partner", "recipient")
_WHO_ATTRIBUTES = ("partner", "organisation", "actor", "recipient", "signed")

# Peruvian regions and cities a citizen may ask about ("¿visitó Cusco?").
PERU_PLACES = (
    "Amazonas Áncash Apurímac Arequipa Ayacucho Cajamarca Callao Cusco Huancavelica Huánuco Ica Junín "
    "Lambayeque Lima Loreto Moquegua Pasco Piura Puno Tacna Tumbes Ucayali Chiclayo Trujillo Iquitos "
    "Huancayo Chimbote Juliaca Pucallpa Tarapoto Huaraz Chancay Chachapoyas Abancay Moyobamba Cuzco"
).split() + ["La Libertad", "Madre de Dios", "San Martín", "Puerto Maldonado", "Cerro de Pasco"]
# Organisations a citizen may name instead of the one the note names ("¿en la ONU?").
ORGANISATIONS = [
    "OEA",
    "ONU",
    "Naciones Unidas",
    "UNESCO",
    "OMI",
    "OIM",
    "IPCC",
    "Mercosur",
    "UNODC",
    "ONUDD",
    "OMS",
    "OTAN",
    "Unión Europea",
    "CAN",
    "Comunidad Andina",
    "APEC",
    "OCDE",
    "Banco Mundial",
    "FMI",
    "CELAC",
    "Alianza del Pacífico",
    "Instituto Cervantes",
    "Real Academia Española",
    "RAE",
    "ASALE",
    "Ministerio de Cultura",
    "Ministerio de Educación",
    "Ministerio del Interior",
    "Ministerio de Defensa",
    "Congreso",
    "Migraciones",
]
# Where the citizen lives is context, not the subject: "vivo en Italia, ¿qué hizo…?".
_RESIDENCE = re.compile(
    r"(?i)\b(vivo|vivimos|resido|radico|radicamos|estoy|estamos|me encuentro|trabajo)\s+(en|desde)\s+"
    r"[\wáéíóúñ]+(\s+[A-ZÁÉÍÓÚ][\wáéíóúñ]+)?"
)
# Short names and the full names the facts use.
ORG_ALIASES = {"RAE": "Real Academia Española", "ONUDD": "UNODC", "Naciones Unidas": "ONU", "Comunidad Andina": "CAN"}
# Questions about the source itself: its date, number, title, issuer.
_ABOUT_SOURCE = re.compile(
    r"\b(nota( de prensa)?|fuente|fuentes|comunicado|documento que usa\w*|de donde (saca\w*|salio|sale|viene|"
    r"obtuvo|obtiene|obtuviste)|en que te basas|en que se basa|esa info\w* es oficial|es oficial|info\w* oficial|"
    r"quien dice eso|eso quien lo dice|segun quien)\b"
)
# What no source covers: fees, requirements, contact details of consulates, fines.
_OUT_OF_SOURCES: List[Tuple[str, re.Pattern]] = [
    ("consulate_contact", re.compile(r"\b(telefono|direccion|horario|correo|email|whatsapp|donde queda|atienden)\b")),
    ("voting_fine", re.compile(r"\bmulta\w*\b")),
    (
        "procedures",
        re.compile(
            r"\b(pasaporte|visa|visas|dni|tramite\w*|cita|requisito\w*|apostill\w*|partida|"
            r"nacionalidad|cuesta|cuestan|costo|precio|tarifa|demora)\b"
        ),
    ),
]
# Words that carry no claim of their own in a yes/no question: who said it, where it was read.
_CHATTER = frozenset(
    """verdad cierto creo oi escuche escuchado dicen dijeron dice lei leido vi visto facebook noticias tele
    television radio internet amigo amiga amigos vecino vecina mama papa esposo esposa hijo hija tio tia
    familia primo prima gente alguien comentan contaron rumor rumores whatsapp tiktok twitter entendi
    entiendo parece supuestamente osea sea acaso tal vez quizas seguro seguramente realmente exactamente
    ahora ahorita todavia aun hace tiempo anos""".split()
)
# Words any fact may be asked with, that name no detail of their own.
_GENERIC = frozenset(
    """pais paises peru peruano peruanos gobierno cancilleria estado ministerio nacional internacional canciller
    tema temas cosa cosas algo nada informacion datos dato""".split()
)
_IRREGULAR_VERBS = frozenset(
    """fue fueron era eran hubo hay dio dieron puso pusieron vino vinieron trajo trajeron hizo hicieron dijo
    dijeron va van es son esta estan tiene tienen tuvo tuvieron paso pasaron sera seran habia estuvo estuvieron
    mandar mandaron salio salieron iba iban queda quedo dar dan den dado""".split()
)
_VERB_ENDING = re.compile(r"(aron|ieron|eron|aba|aban|ia|ian|ado|ido|ada|ida|ando|iendo|aste|iste)$")
_SYNONYMS = [
    {"peruano", "persona", "gente", "compatriota", "connacional", "ciudadano", "paisano", "varado", "repatriado"},
    {"bien", "pieza", "objeto", "obra", "reliquia", "patrimonio"},
    {"pais", "nacion"},
    {"region", "departamento", "lugar"},
    {"documento", "acuerdo", "declaracion"},
    {"tonelada", "kilo", "ayuda"},
    {"reunion", "bilateral", "encuentro"},
    {"institucion", "entidad", "organizacion", "organismo"},
]
_FILLERS = re.compile(r"^(y|e|oe|ok|oka|ya|pero|entonces|bueno|ah+|oye|disculpe|hola|buenas)\b\W*", re.IGNORECASE)
_WH_WORDS = {
    "que": "qué",
    "q": "qué",
    "cual": "cuál",
    "cuales": "cuáles",
    "cuanto": "cuánto",
    "cuanta": "cuánta",
    "cuantos": "cuántos",
    "cuantas": "cuántas",
    "quien": "quién",
    "quienes": "quiénes",
    "donde": "dónde",
    "cuando": "cuándo",
    "como": "cómo",
    "xq": "por qué",
    "pq": "por qué",
    "porque": "por qué",
}


@dataclass
class Reply:
    text: Optional[str]  # None for the fallback: the action sends domain.yml's utter_default
    outcome: str
    buttons: List[Dict[str, str]] = field(default_factory=list)


@dataclass
class State:
    """What the conversation remembers between turns (kept in slots by the actions)."""

    fact: Optional[str] = None  # key of the fact answered last (SOURCE after a question about the source)
    kind: Optional[str] = None  # the question type answered last ("quantity", "place"...)
    topic: Optional[str] = None
    options: List[str] = field(default_factory=list)  # facts offered in "¿Se refiere a …?"
    pending: Optional[str] = None  # the question those options were offered for
    detail: Optional[str] = None  # what the last question counted ("toneladas"), for "¿y cuántas a Bolivia?"


@dataclass
class Result:
    replies: List[Reply]
    state: State

    @property
    def answered(self) -> bool:
        return any(r.outcome != outcomes.FALLBACK for r in self.replies)


@dataclass(frozen=True)
class Mention:
    """A place, organisation, country or listed name a question names, as it was written."""

    surface: str  # as the facts (or the citizen) spell it
    kind: str  # "country", "place", "organisation", "item"
    country: Optional[str] = None  # canonical country, for countries and their cities


class Engine:
    """Answers questions over a set of facts (all the store's, read for this turn)."""

    def __init__(
        self, facts: Sequence[Fact], encoder: Optional[embeddings.Encoder] = None, on: Optional[dt.date] = None
    ) -> None:
        self.facts = list(facts)
        self.by_key = {f.key: f for f in self.facts}
        self.index = retrieval.build(self.facts, encoder)
        self.fixed_on = on
        self.known: FrozenSet[str] = retrieval.known_words(self.index)
        self._vocabulary()

    def _vocabulary(self) -> None:
        items = {item for f in self.facts for c in f.claims for item in c.items or ()}
        place_items = {
            item for f in self.facts for c in f.claims if c.attribute in _PLACE_ATTRIBUTES for item in c.items or ()
        }
        names: Dict[str, Mention] = {}
        for name in ORGANISATIONS:
            names[fold(name)] = Mention(name, "organisation")
        for name in items:
            names[fold(name)] = Mention(name, "place" if name in place_items else "item")
        for name in PERU_PLACES:
            names[fold(name)] = Mention(name, "place")
        self.names = names
        self._name_pattern = re.compile(
            r"(?<![a-z0-9])(" + "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True)) + r")(?![a-z0-9])"
        )
        # Stems that name what a fact is about (its subject, keywords, countries, values,
        # items), without those shared by many facts ("cancilleria", "peru").
        subject: Dict[str, Set[str]] = {}
        for fact in self.facts:
            proper = re.findall(
                r"(?<!^)(?<![.:] )\b[A-ZÁÉÍÓÚÑ][\wáéíóúñü]+",
                " ".join([fact.subject or "", fact.answer] + [c.sentence or c.value for c in fact.claims]),
            )
            text = " ".join(
                [" ".join(fact.keywords or ()), " ".join(fact.countries), " ".join(proper)]
                + [" ".join(c.items or ()) for c in fact.claims]
            )
            subject[fact.key] = set(retrieval.stems(text))
        counts: Dict[str, int] = {}
        for stems in subject.values():
            for s in stems:
                counts[s] = counts.get(s, 0) + 1
        common = {s for s, n in counts.items() if n > max(2, len(self.facts) // 5)}
        self.subject_stems = {key: stems - common for key, stems in subject.items()}
        # The strongest of them: keywords, countries and list items (not proper nouns met in
        # passing, such as the OAS mission named in the campaign's paragraph).
        self.strong_stems = {
            f.key: set(
                retrieval.stems(
                    " ".join(list(f.keywords or ()) + list(f.countries) + [i for c in f.claims for i in c.items or ()])
                )
            )
            - common
            for f in self.facts
        }
        # Multi-word names the facts use, which may contain a city ("Declaración de Quito").
        self._names = sorted(
            {" ".join(tokens(k)) for f in self.facts for k in f.keywords or () if " " in k.strip()}
            | {" ".join(tokens(i)) for f in self.facts for c in f.claims for i in c.items or () if " " in i.strip()},
            key=len,
            reverse=True,
        )

    @property
    def on(self) -> dt.date:
        """The day answers are true on (today in Lima, unless fixed for a test)."""
        return self.fixed_on or answers.today()

    # --- entry point ---------------------------------------------------------------

    def respond(
        self,
        text: str,
        topic: Optional[str] = None,
        state: Optional[State] = None,
        context_countries: Sequence[str] = (),
    ) -> Result:
        """Replies to every question of `text`, in order. `topic` is the NLU's topic for the
        whole message (used only when it has a single question); `context_countries` are
        countries named in the citizen's previous messages ("estoy varado en Bolivia", then
        "¿a cuántos ayudaron ahí?")."""
        state = state or State()
        parts = split(text, is_subject=self.is_subject) or [text]
        replies: List[Reply] = []
        for part in parts:
            part_replies, state = self.answer(part, topic if len(parts) == 1 else None, state, context_countries)
            replies.extend(part_replies)
        if len(parts) > 1 and all(r.outcome == outcomes.FALLBACK for r in replies):
            replies = replies[:1]
        return Result(replies, state)

    def is_subject(self, text: str) -> bool:
        """Whether `text` names something the facts are about (a country, place, organisation,
        or a word of a fact's subject)."""
        if retrieval.countries_in(text) or self.mentions(text):
            return True
        stems = set(retrieval.stems(text))
        return any(stems & s for s in self.subject_stems.values())

    def answer(
        self, text: str, topic: Optional[str], state: State, context_countries: Sequence[str] = ()
    ) -> Tuple[List[Reply], State]:
        question = analyse(text)
        if state.detail and question.kind == "quantity" and not question.detail:
            question = replace(question, detail=state.detail)  # "¿y cuántas a Bolivia?" (toneladas)
        if self._about_source(question, state):
            reply, kind = self.about_source(question)
            return [reply], State(fact=SOURCE, kind=kind)
        words = [w for w in content_words(text) if w not in _CHATTER]
        if (
            words
            and question.kind in ("yesno", "broad")
            and not any(retrieval.stem(w) in self.known or w.isdigit() for w in words)
            and not retrieval.countries_in(text)
            and not self.mentions(text)
        ):
            return [Reply(None, outcomes.FALLBACK)], state  # "asdkjh qwpoeiru": no word of any fact, no question
        mentions = self.mentions(text)
        named = retrieval.countries_in(_RESIDENCE.sub(" ", text))
        if not named and context_countries and re.search(r"\b(ahi|alli|alla)\b", question.folded):
            named = list(context_countries)  # "¿a cuántos ayudaron ahí?" after "estoy varado en Bolivia"
        last = self.by_key.get(state.fact or "")
        if last is not None and self._elliptical(question, mentions, named):
            result = self.entity_followup(question, last, state, mentions, named)
            if result is not None:
                return result
        explicit = self.countries_named(text)
        if explicit and not (
            last is not None and self._follows(question, last, text) and set(explicit) & set(last.countries)
        ):
            # A country the best matching fact is not about: "¿repatriaron peruanos de Chile?",
            # "¿la Declaración de Quito la firmaron con Bolivia?".
            plain = retrieval.rank(self.index, text, topic, [], accepts=question.accepts)
            best, best_score = plain.facts()[0]
            if (
                best.countries
                and not set(explicit) & set(best.countries)
                and best_score >= CONFIDENT
                and plain.best_lexical() >= 0.4
            ):
                reply = self.country_mismatch(best, question, explicit, plain)
                if reply is not None:
                    return [reply], State(fact=best.key, kind=question.kind, topic=best.topic)
        ranking = retrieval.rank(
            self.index,
            text,
            topic,
            named,
            accepts=question.accepts,
            context_countries=[] if named else list(context_countries),
        )
        if not named and context_countries and last is None:
            named = [c for c in context_countries if any(c in f.countries for f in self.facts)]
        ranked = ranking.facts()
        if not ranked:
            return [Reply(None, outcomes.FALLBACK)], state
        fact, score = ranked[0]
        follow = self._follows(question, last, text)
        if last is not None and question.others:
            # "¿y con los otros países?", "¿de dónde más?": the same topic, not the same fact.
            others = [f for f, _ in ranked if f.topic == last.topic and f.key != last.key]
            others = [f for f in others if not self.novel_for_detail(question, f)] or others
            fact, score = (others[0], max(CONFIDENT, dict(ranked).get(others[0], 0))) if others else (last, CONFIDENT)
        elif follow and last is not None:
            fact, score = last, max(score, CONFIDENT)
        elif last is not None and ranking.best_lexical() < 0.6:
            self._boost(ranking, last, named)
            fact, score = ranking.facts()[0]
        if score < CONFIDENT:
            out = self.out_of_sources(question)
            if out is not None:
                return [out], state
            options = [f for f, s in ranked[:MAX_OPTIONS] if s >= CLARIFY]
            if options:
                return [self.clarify(options)], replace(state, options=[f.key for f in options], pending=text)
            return [Reply(None, outcomes.FALLBACK)], state
        reply, kind = self.about_fact(fact, question, ranking, mentions, state, last)
        new_state = State(
            fact=fact.key,
            kind=kind or state.kind,
            topic=fact.topic,
            detail=question.detail if question.kind == "quantity" else None,
        )
        return [reply], new_state

    # --- what a question refers to -------------------------------------------------------

    def mentions(self, text: str) -> List[Mention]:
        """Places, organisations, listed names and cities the text names (countries apart)."""
        folded = " ".join(tokens(text))
        found: List[Mention] = []
        for match in self._name_pattern.finditer(folded):
            mention = self.names[match.group(1)]
            if mention not in found:
                found.append(mention)
        # Cities that stand for a country in the NLU's lists ("Nueva York", "Madrid").
        for match in _city_pattern().finditer(folded):
            found.append(Mention(match.group(1).title(), "place", country=country_names.aliases()[match.group(1)]))
        return found

    def countries_named(self, text: str) -> List[str]:
        """Countries the citizen names, not counting where they live ("vivo en Italia") nor a
        city inside a name the facts use ("la Declaración de Quito" names no country)."""
        folded = " ".join(tokens(_RESIDENCE.sub(" ", text)))
        for phrase in self._names:
            folded = re.sub(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", " ", folded)
        return retrieval.countries_in(folded)

    def _about_source(self, question: Question, state: State) -> bool:
        if _ABOUT_SOURCE.search(question.folded) and not self._names_a_fact(question):
            return True
        return state.fact == SOURCE and not self._names_a_fact(question) and len(content_words(question.text)) <= 2

    def _names_a_fact(self, question: Question) -> bool:
        """ "la nota dice cuántos volvieron de Bolivia?" is about Bolivia, not about the note."""
        ignore = {
            "nota",
            "prensa",
            "fuente",
            "fuentes",
            "dice",
            "fecha",
            "numero",
            "titulo",
            "titula",
            "publico",
            "publicada",
            "emitio",
            "usa",
            "usas",
            "sacas",
            "saca",
            "informacion",
            "datos",
            "oficial",
            "info",
            "sacaste",
            "salio",
            "sale",
            "viene",
            "ministerio",
            "comunicado",
            "link",
            "enlace",
            "trata",
            "ano",
            "mes",
            "dia",
            "febrero",
            "enero",
            "2025",
            "2026",
            "esa",
            "proviene",
            "brinda",
            "documento",
            "basas",
            "basa",
            "actualizada",
            "confiable",
            "quien",
            "cuando",
        }
        words = [w for w in content_words(question.text) if w not in ignore]
        return bool(words) and retrieval.rank(self.index, " ".join(words)).best_lexical() >= 0.5

    def _elliptical(self, question: Question, mentions: Sequence[Mention], named: Sequence[str]) -> bool:
        """ "¿y de Bolivia?", "y a tumbes?", "y en la unesco?": a short message that names an
        entity and leans on the previous question."""
        if not (mentions or named):
            return False
        names = {fold(m.surface) for m in mentions} | {fold(n) for n in named}
        rest = [
            w
            for w in content_words(question.text)
            if not any(w in n.split() for n in names) and w not in ("pais", "region", "tambien", "especificamente")
        ]
        leans = bool(re.match(r"^(y|e|tambien|ahora|ok y|ya y|no,? (te )?pregunte)\b", question.folded)) or not rest
        return leans and len(rest) <= 2

    def _follows(self, question: Question, last: Optional[Fact], text: str) -> bool:
        """Whether the question is about the fact answered last: it points at it ("esas
        reuniones", "ahí"), or names nothing another fact is about."""
        if last is None:
            return False
        if question.demonstrative and not retrieval.countries_in(text):
            return True
        stems = set(retrieval.stems(text))
        strong_mine = stems & self.strong_stems.get(last.key, set())
        strong_others = {k: stems & s for k, s in self.strong_stems.items() if k != last.key and stems & s}
        if strong_others and max(len(v) for v in strong_others.values()) > len(strong_mine):
            return False
        mine = stems & self.subject_stems.get(last.key, set())
        others = {k: stems & s for k, s in self.subject_stems.items() if k != last.key and stems & s}
        if others and not mine:
            return False
        if others:
            best_other = max(len(v) for v in others.values())
            return question.followup and not retrieval.countries_in(text) and len(mine) >= best_other
        return True

    def _boost(self, ranking: retrieval.Ranking, last: Fact, named: Sequence[str]) -> None:
        for scored in ranking.claims:
            fact = scored.entry.fact
            if named and fact.countries and not set(named) & set(fact.countries):
                continue
            if fact.key == last.key:
                scored.score += CONTEXT_FACT
            elif fact.topic == last.topic:
                scored.score += CONTEXT_TOPIC
        ranking.claims.sort(key=lambda s: -s.score)

    # --- an entity follow-up ------------------------------------------------------------

    def entity_followup(
        self, question: Question, last: Fact, state: State, mentions: Sequence[Mention], named: Sequence[str]
    ) -> Optional[Tuple[List[Reply], State]]:
        kind = state.kind if question.kind in ("yesno", "which", "broad", "more") else question.kind
        kind = kind or "broad"
        asked = replace(question, kind=kind)
        # Membership in the list answered last: "¿fue a Piura?" then "¿y a Tumbes?".
        listed = [c for c in last.claims if c.items]
        for mention in list(mentions) + [Mention(n, "country", n) for n in named]:
            for claim in listed:
                if any(fold(mention.surface) == fold(i) or fold(mention.country or "") == fold(i) for i in claim.items):
                    sentence = answers.claim_sentence(last, claim, self.on)
                    return [self.cited(messages.yes(sentence), [last], outcomes.ANSWERED)], State(
                        fact=last.key, kind="yesno", topic=last.topic
                    )
        places = [m for m in mentions if m.kind == "place" and m.country is None]
        if places and listed:
            claim = next((c for c in listed if c.attribute in _PLACE_ATTRIBUTES), None)
            if claim is not None:
                sentence = answers.claim_sentence(last, claim, self.on)
                text = messages.not_mentioned(f"a {places[0].surface} en relación con {_subject(last)}", sentence)
                return [self.cited(text, [last], outcomes.MISSING_DETAIL)], State(
                    fact=last.key, kind="yesno", topic=last.topic
                )
        candidates = self._facts_about(mentions, named)
        if not candidates:
            if named:
                country = named[0]
                return [self.no_country(last.topic, country)], State(fact=last.key, kind=kind, topic=last.topic)
            return None
        same_topic = [f for f in candidates if f.topic == last.topic]
        if (
            named
            and not same_topic
            and any(f.countries for f in self.facts if f.topic == last.topic and f.key != last.key)
        ):
            # Asked about another country in a topic told country by country (repatriations).
            reply = self.no_country(last.topic, named[0])
            return [reply], State(fact=last.key, kind=kind, topic=last.topic)
        fact = (same_topic or candidates)[0]
        ranking = retrieval.rank(self.index, question.text, fact.topic, named, accepts=asked.accepts)
        names = {fold(m.surface) for m in mentions} | {fold(n) for n in named}
        own = [
            w
            for w in content_words(question.text)
            if not any(w in n.split() for n in names) and w not in _CHATTER and w not in ("tambien", "pais")
        ]
        if (
            question.kind == "yesno"
            and own
            and set(retrieval.stems(" ".join(own))) & self.subject_stems.get(fact.key, set())
        ):
            # "¿y con Chile también vieron migración?": yes, and what was done.
            return [self.cited(messages.yes(fact.answer), [fact], outcomes.ANSWERED)], State(
                fact=fact.key, kind="yesno", topic=fact.topic
            )
        if kind in ("broad", "which", "yesno", "more"):
            reply: Reply = self.whole_fact(fact)
            kind = "broad"
        else:
            reply, new_kind = self.about_fact(fact, asked, ranking, mentions, state, last)
            kind = new_kind or kind
        return [reply], State(fact=fact.key, kind=kind, topic=fact.topic, detail=state.detail)

    def _facts_about(self, mentions: Sequence[Mention], named: Sequence[str]) -> List[Fact]:
        found: List[Fact] = []
        for fact in self.facts:
            text = fold(" ".join([fact.subject or "", fact.answer] + [c.value for c in fact.claims]))
            if any(n in fact.countries for n in named) or any(
                re.search(rf"(?<![a-z]){re.escape(fold(m.surface))}(?![a-z])", text) for m in mentions
            ):
                found.append(fact)
        return found

    def no_country(self, topic: Optional[str], country: str) -> Reply:
        topic_label = label(topic or "country")
        about = [f for f in self.facts if country in f.countries]
        available = sorted({c for f in self.facts if f.topic == topic for c in f.countries})
        if about:
            text = messages.missing_country_other(topic_label, country)
            rendered = answers.render(about[:2], on=self.on, intro=text)
            return Reply(f"{rendered}\n\n{messages.official_channels()}", outcomes.NO_INFORMATION)
        if available:
            text = messages.missing_country_available(topic_label, country, messages.join(available))
        else:
            text = messages.missing_country(topic_label, country)
        return Reply(f"{text} {messages.official_channels()}", outcomes.NO_INFORMATION)

    def country_mismatch(
        self, fact: Fact, question: Question, named: Sequence[str], ranking: retrieval.Ranking
    ) -> Optional[Reply]:
        """The question names a country the fact it is about is not about. If words only this
        fact uses identify it ("Declaración de Quito"), the country is corrected; if the
        topic is told country by country (repatriations), that country has nothing."""
        siblings = [f for f in self.facts if f.topic == fact.topic and f.key != fact.key]
        shared = set().union(*(self.subject_stems.get(f.key, set()) for f in siblings)) if siblings else set()
        country_stems = set(retrieval.stems(" ".join(named)))
        distinctive = (
            (set(retrieval.stems(question.text)) & self.subject_stems.get(fact.key, set()))
            - shared
            - country_stems
            - set(retrieval.stems(" ".join(fact.countries)))
        )
        if distinctive and not self.novel_words(question.text):
            sentence = self._main_sentence(fact, ranking)
            text = messages.correction_country(messages.join(list(fact.countries))) + " " + sentence
            return self.cited(text, [fact], outcomes.CORRECTION)
        if any(f.countries for f in siblings) or self.novel_words(question.text):
            return self.no_country(fact.topic, named[0])
        return None

    # --- one fact ----------------------------------------------------------------------

    def about_fact(
        self,
        fact: Fact,
        question: Question,
        ranking: retrieval.Ranking,
        mentions: Sequence[Mention],
        state: State,
        last: Optional[Fact],
    ) -> Tuple[Reply, Optional[str]]:
        kind = question.kind
        claims = self.claims_of(fact, ranking)
        if question.money:
            return self.missing(fact, question), kind
        if question.future and any(c.dated for c in fact.claims):
            dated = next(c for c in fact.claims if c.dated)
            return self.missing(fact, question, answers.claim_sentence(fact, dated, self.on)), kind
        if question.years:
            reply = self.check_years(fact, question, claims)
            if reply is not None:
                return reply, kind
        premise = ""
        if kind == "quantity" or (question.numbers and kind in ("yesno", "which", "broad")):
            reply = self.quantity(fact, question, ranking)
            if reply is not None:
                return reply, "quantity"
        elif question.numbers:
            premise = self.number_premise(fact, question, ranking)
        if question.numbers and not any(c.amount is not None for c in fact.claims):
            reply = self.check_numbers_in_values(fact, question, claims)
            if reply is not None:
                return reply, kind
        if question.months:
            reply = self.check_date(fact, question)
            if reply is not None:
                return reply, "date"
        if kind == "yesno":
            return self.yes_no(fact, question, claims, mentions, ranking), kind
        if kind == "more":
            if last is not None and re.search(r"\bpais\b", question.folded) and last.countries:
                mates = [f for f in self.facts if f.key != last.key and set(f.countries) & set(last.countries)]
                if mates:
                    return self.whole_fact(mates[0]), "broad"
            if last is not None and fact.key == last.key and state.kind not in (None, "broad"):
                return self.whole_fact(fact), "broad"
            others = [f for f, _ in ranking.facts() if f.topic == fact.topic and f.key != fact.key]
            return self.whole_fact(others[0] if others and last is not None and fact.key == last.key else fact), "broad"
        if kind == "broad":
            if last is not None and fact.key == last.key:
                return self.whole_fact(fact), "broad"
            return self.broad(fact, ranking), "broad"
        if kind == "definition":
            organisations = [c for c in claims if c.attribute == "organisation" and self._named_in(c, question)]
            if organisations:
                return self.say(fact, organisations[:1], premise), kind
            if re.search(r"\bsignifica\b", question.folded):
                return self.missing(fact, question), kind
            return self.whole_fact(fact), "broad"
        if self.novel_for_detail(question, fact):
            return self.missing(fact, question), kind
        if kind == "which":
            if self._unknown_detail(question):
                return self.missing(fact, question), kind
            return (self.say(fact, claims[:1], premise) if claims else self.whole_fact(fact)), kind
        if kind == "list":
            listed = [c for c in claims if c.items]
            siblings = self._same_measure(listed[0], fact) if listed else []
            if siblings:
                return self.total(listed[0], fact, siblings, question), kind
            if listed:
                return self.say(fact, listed[:1], premise), kind
            return (self.say(fact, claims[:1], premise) if claims else self.whole_fact(fact)), kind
        if kind in ("organisation", "list"):
            # "¿En qué organismos fue elegido?": every fact with a claim of the same measure.
            asked = set(retrieval.stems(question.text))
            for claim in claims:
                siblings = self._same_measure(claim, fact)
                if siblings and set(retrieval.stems(" ".join(claim.terms or ()))) & asked:
                    return self.total(claim, fact, siblings, question), kind
        accepted = [c for attribute in question.accepts for c in claims if c.attribute == attribute]
        if kind == "against":
            accepted = [
                c for c in claims if re.search(r"\b(contra|combatir|evitar)\b", fold(c.sentence or ""))
            ] + accepted
        accepted = [c for c in accepted if self._answers(c, question)]
        if accepted and not self._unknown_detail(question):
            return self.say(fact, accepted[:1], premise), kind
        return self.missing(fact, question), kind

    def _answers(self, claim: Claim, question: Question) -> bool:
        """Whether `claim` can answer `question` of its kind at all."""
        asked = set(retrieval.stems(question.text))
        if claim.attribute in _PLACE_ATTRIBUTES:
            value = set(retrieval.stems(claim.value))
            if value and value <= asked:
                return False  # "¿en qué ciudad de Jamaica…?" is not answered by "desde Jamaica"
            if question.detail in (
                "ciudad",
                "ciudades",
                "localidad",
                "distrito",
                "provincia",
                "hotel",
            ) and country_names.canonical(re.sub(r"^(los|las|el|la) ", "", claim.value)):
                return False  # a city is asked, the note names a country
        if question.kind == "who" and country_names.canonical(re.sub(r"^(los|las|el|la) ", "", claim.value)):
            return False  # "¿quiénes firmaron?" asks for people, not "Ecuador"
        if question.kind == "identity":
            names = set(retrieval.stems(" ".join(re.findall(r"\b[A-ZÁÉÍÓÚ][\wáéíóú]+", claim.sentence or ""))))
            return bool(names & asked)
        if question.kind == "name":
            ignore = {retrieval.stem(w) for w in ("llama", "llamaba", "nombre", "como", "cual")}
            return bool((set(retrieval.stems(f"{claim.sentence} {claim.value}")) - ignore) & (asked - ignore))
        return True

    def number_premise(self, fact: Fact, question: Question, ranking: retrieval.Ranking) -> str:
        """ "¿de qué país trajeron los 500 bienes?": the correction to say before the answer."""
        claims = [c for c in self.claims_of(fact, ranking) if c.amount is not None]
        if not claims or any(c.amount in question.numbers for c in claims):
            return ""
        claim = claims[0]
        right = f"{messages.number(claim.amount)} {claim.unit}" if claim.unit else messages.number(claim.amount)
        return messages.correction(right, messages.number(question.numbers[0]))

    def check_numbers_in_values(self, fact: Fact, question: Question, claims: Sequence[Claim]) -> Optional[Reply]:
        """ "¿fue la sesión número 50?": a number the question gives against one in a claim (63.ª)."""
        for claim in claims:
            stated = [float(n) for n in re.findall(r"\b(\d+)", claim.value)]
            if stated and not set(stated) & set(question.numbers):
                sentence = answers.claim_sentence(fact, claim, self.on)
                return self.cited(messages.correction_value(sentence), [fact], outcomes.CORRECTION)
        return None

    def novel_for_detail(self, question: Question, fact: Fact) -> bool:
        """A specific question about something the fact does not mention ("¿quién lo
        inauguró?", "¿quién la llevó?", "¿cuál fue la primera?"): the detail is missing,
        whatever claim is nearest. A verb the fact does not use counts only when the
        question has no other word ("¿qué compromiso asumió?" is about the compromiso)."""
        if question.kind not in (
            "who",
            "place",
            "date",
            "reason",
            "purpose",
            "recipient",
            "partner",
            "signed",
            "discussed",
            "which",
            "role",
            "organisation",
            "name",
            "identity",
            "content",
        ):
            return False
        own = set(
            retrieval.stems(
                " ".join(
                    [fact.subject or "", fact.answer, " ".join(fact.keywords or ())]
                    + [f"{c.sentence or ''} {c.value} {' '.join(c.terms or ())}" for c in fact.claims]
                )
            )
        )
        prefixes = {s[:4] for s in own}
        novel_nouns, novel_verbs, known = [], 0, 0
        for word in content_words(question.text):
            stem = retrieval.stem(word)
            if word in _CHATTER or word in _IRREGULAR_VERBS or word in _GENERIC or len(word) < 4:
                continue
            if stem in own or stem[:4] in prefixes:
                known += 1
            elif _VERB_ENDING.search(word) or re.search(r"(o|io|an|en|aron|ieron)$", word):
                novel_verbs += 1
            else:
                novel_nouns.append(word)
        # A word no fact uses right after the question word is the detail asked for
        # ("¿en qué aerolínea?"); elsewhere it may only be a way of saying what the fact
        # says, so it does not make the detail missing when other words are known.
        if novel_nouns and (question.detail in novel_nouns or known == 0):
            return True
        return novel_verbs > 0 and known == 0 and not novel_nouns

    def claims_of(self, fact: Fact, ranking: retrieval.Ranking) -> List[Claim]:
        """The fact's claims, best match to the question first."""
        order = [s.entry.claim for s in ranking.claims if s.entry.fact.key == fact.key and s.entry.claim is not None]
        return order or list(fact.claims)

    def _unknown_detail(self, question: Question) -> bool:
        """The noun asked about ("aerolínea") is a word no fact uses, and nothing else in the
        question is ("¿para qué tipo de delitos?" is answered by the claim about delitos)."""
        if not question.detail or retrieval.stem(question.detail) in self.known:
            return False
        others = [w for w in content_words(question.text) if w != question.detail and w not in _CHATTER]
        if others and all(retrieval.stem(w) in self.known for w in others):
            return False
        return True

    def _named_in(self, claim: Claim, question: Question) -> bool:
        value = set(retrieval.stems(f"{claim.value} {' '.join(claim.terms or ())}"))
        return bool(value & set(retrieval.stems(question.text)))

    def _main_sentence(self, fact: Fact, ranking: Optional[retrieval.Ranking] = None) -> str:
        claims = self.claims_of(fact, ranking) if ranking is not None else list(fact.claims)
        claims = [c for c in claims if c.attribute == "action"] or claims
        return answers.claim_sentence(fact, claims[0], self.on) if claims else fact.answer

    # --- kinds of answers ----------------------------------------------------------------

    def quantity(self, fact: Fact, question: Question, ranking: retrieval.Ranking) -> Optional[Reply]:
        claims = [c for c in self.claims_of(fact, ranking) if c.amount is not None]
        if question.detail and question.kind == "quantity":
            compatible = [c for c in claims if self._counts(c, question.detail)]
            if not compatible and retrieval.stem(question.detail) not in {"cuant"}:
                if claims or self._unknown_detail(question) or question.detail in _COUNTED_NOUNS:
                    return self.missing(fact, question)
            claims = compatible or claims
        if not claims:
            if question.kind == "quantity":
                return self.missing(fact, question)
            return None
        feminine = re.search(r"\bcuantas?\b", question.folded)
        masculine = re.search(r"\bcuantos?\b", question.folded)
        said = set(retrieval.stems(" ".join(w for w in content_words(question.text) if w not in _CHATTER)))
        decided = any(said & set(retrieval.stems(" ".join(c.terms or ()) + " " + c.value)) for c in claims)
        if not question.detail and not decided and (feminine or masculine) and not (feminine and masculine):
            agree = [c for c in claims if _feminine(c.unit or "") == bool(feminine)]
            claims = agree + [c for c in claims if c not in agree]
        claim = claims[0]
        named = retrieval.countries_in(question.text)
        siblings = self._same_measure(claim, fact)
        if siblings and (
            question.total or (not named and not self._stands_out(fact, siblings, ranking) and not question.numbers)
        ):
            return self.total(claim, fact, siblings, question)
        if question.numbers and claim.amount not in question.numbers:
            wrong = [n for n in question.numbers if n != claim.amount][0]
            return self.correct_number(fact, claim, wrong, siblings)
        text = self._quantity_sentence(fact, claim)
        if question.numbers and question.kind == "yesno":
            return self.cited(messages.yes(text), [fact], outcomes.ANSWERED)
        return self.cited(text, [fact], outcomes.ANSWERED)

    def _quantity_sentence(self, fact: Fact, claim: Claim) -> str:
        """The claim's sentence if it says the count ("visitó ocho regiones: …"), else the
        count of its items ("2 documentos: la Declaración de Quito y …")."""
        sentence = answers.claim_sentence(fact, claim, self.on)
        if claim.items and claim.amount is not None:
            spelled = _NUMBER_WORDS.get(int(claim.amount), "")
            if not re.search(rf"\b({messages.number(claim.amount)}|{spelled})\b", fold(sentence)):
                return messages.count(messages.number(claim.amount), claim.unit or "", claim.items)
        return sentence

    def _counts(self, claim: Claim, noun: str) -> bool:
        """Whether `claim` counts what `noun` names ("peruanos", "toneladas", "países")."""
        stem = retrieval.stem(noun)
        words = set(
            retrieval.stems(
                " ".join(filter(None, [claim.unit, claim.measure, claim.value, " ".join(claim.terms or ())]))
            )
        )
        if stem in words:
            return True
        group = next((g for g in _SYNONYMS if any(retrieval.stem(w) == stem for w in g)), None)
        return bool(group) and any(retrieval.stem(w) in words for w in group)

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
        amount = sum(c.amount or 0 for _, c in pairs)
        if all(c.amount == 1 for _, c in pairs):  # one each: a count of the facts ("2 organismos: …")
            text = messages.count(messages.number(amount), claim.unit or "", [_subject(f) for f, _ in pairs])
            return self.cited(text, [f for f, _ in pairs], outcomes.ANSWERED)
        parts = [messages.total_part(messages.number(c.amount), _where(f)) for f, c in pairs]
        text = messages.total(messages.number(amount), claim.unit or "", parts)
        if (
            question.numbers
            and amount not in question.numbers
            and not any(c.amount in question.numbers for _, c in pairs)
        ):
            text = (
                messages.correction(f"{messages.number(amount)} {claim.unit}", messages.number(question.numbers[0]))
                + " "
                + text
            )
            return self.cited(text, [f for f, _ in pairs], outcomes.CORRECTION)
        return self.cited(text, [f for f, _ in pairs], outcomes.ANSWERED)

    def correct_number(self, fact: Fact, claim: Claim, wrong: float, siblings: Sequence[Tuple[Fact, Claim]]) -> Reply:
        right = f"{messages.number(claim.amount)} {claim.unit}" if claim.unit else messages.number(claim.amount)
        if claim.qualifier:
            right = f"{claim.qualifier} {right}"
        text = messages.correction(right, messages.number(wrong)) + " " + answers.claim_sentence(fact, claim, self.on)
        elsewhere = [f for f, c in siblings if c.amount == wrong]
        if elsewhere:
            text += " " + messages.correction_elsewhere(messages.number(wrong), _subject(elsewhere[0]))
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

    def check_years(self, fact: Fact, question: Question, claims: Sequence[Claim]) -> Optional[Reply]:
        """ "¿el plan de acción 2024-2025?": years the question gives against the claim's."""
        for claim in claims:
            years = {int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", f"{claim.value} {claim.sentence or ''}")}
            if years and set(retrieval.stems(claim.value)) & set(retrieval.stems(question.text)):
                if set(question.years) <= years:
                    return None
                return self.cited(
                    messages.correction_value(answers.claim_sentence(fact, claim, self.on)), [fact], outcomes.CORRECTION
                )
        return None

    def yes_no(
        self,
        fact: Fact,
        question: Question,
        claims: Sequence[Claim],
        mentions: Sequence[Mention],
        ranking: retrieval.Ranking,
    ) -> Reply:
        said = set(retrieval.stems(question.text))
        # Membership in a list: "¿visitó Piura?", "¿coordinaron con Alemania?".
        named = list(mentions) + [Mention(c, "country", c) for c in retrieval.countries_in(question.text)]
        for mention in named:
            spellings = {fold(mention.surface), fold(mention.country or ""), fold(ORG_ALIASES.get(mention.surface, ""))}
            for claim in claims:
                if any(fold(i) in spellings for i in claim.items or ()):
                    return self.cited(messages.yes(self._quantity_sentence(fact, claim)), [fact], outcomes.ANSWERED)
        # A value the note states, asked back: "¿promovió la facilitación del comercio?".
        for claim in claims:
            for part in re.split(r",| y | e ", claim.value):
                stems = set(retrieval.stems(part))
                if len(stems) >= 2 and stems <= said:
                    return self.cited(
                        messages.yes(answers.claim_sentence(fact, claim, self.on)), [fact], outcomes.ANSWERED
                    )
        # A country named where a fact about no country has a place: "¿la plenaria fue en Chile?".
        if not fact.countries:
            for country in retrieval.countries_in(question.text):
                places = [c for c in claims if c.attribute in _PLACE_ATTRIBUTES and not c.items]
                if places and fold(country) not in fold(places[0].value):
                    return self.cited(
                        messages.correction_value(answers.claim_sentence(fact, places[0], self.on)),
                        [fact],
                        outcomes.CORRECTION,
                    )
        # A name other than the note's: "¿el huracán se llamaba María?".
        if re.search(r"\b(llama|llamaba|llamaban|nombre)\b", question.folded):
            names = [c for c in claims if c.attribute == "name"]
            if names and fold(names[0].value) not in question.folded:
                return self.cited(
                    messages.correction_value(answers.claim_sentence(fact, names[0], self.on)),
                    [fact],
                    outcomes.CORRECTION,
                )
        # A place or organisation other than the note's: "¿fue en Lima?", "¿en la ONU?".
        for mention in mentions:
            full = ORG_ALIASES.get(mention.surface, mention.surface)
            if fold(mention.surface) in fold(" ".join([fact.subject or "", fact.answer])) or fold(full) in fold(
                " ".join([fact.subject or "", fact.answer])
            ):
                continue
            slots = _PLACE_ATTRIBUTES if mention.kind == "place" else _ORG_ATTRIBUTES
            relevant = [c for attribute in slots for c in claims if c.attribute == attribute]
            if not relevant:
                continue
            claim = relevant[0]
            sentence = answers.claim_sentence(fact, claim, self.on)
            if claim.items:
                text = messages.not_mentioned(f"a {mention.surface} en relación con {_subject(fact)}", sentence)
                return self.cited(text, [fact], outcomes.MISSING_DETAIL)
            return self.cited(messages.correction_value(sentence), [fact], outcomes.CORRECTION)
        # Everything asked is what a claim says: "¿incluía a los peruanos de afuera?", "¿reafirmaron algo?".
        content = set(retrieval.stems(" ".join(w for w in content_words(question.text) if w not in _CHATTER)))
        for claim in claims:
            sentence = answers.claim_sentence(fact, claim, self.on)
            says = set(retrieval.stems(f"{sentence} {' '.join(claim.terms or ())}"))
            if content and content <= says and not self.novel_words(question.text):
                return self.cited(messages.yes(sentence), [fact], outcomes.ANSWERED)
        if re.search(r"\b(cien|100) dias\b", question.folded):
            period = next(
                (c for f in self.facts for c in f.claims if f.topic == "overview" and c.attribute == "date"), None
            )
            if period is not None:
                overview = next(f for f in self.facts if period in f.claims)
                return self.cited(
                    messages.yes(answers.claim_sentence(overview, period, self.on)), [fact, overview], outcomes.ANSWERED
                )
        # Words the note never uses: "¿los trajeron por un terremoto?", "¿mandarán tropas?".
        novel = self.novel_words(question.text)
        if novel:
            best = self._claim_for_novel(fact, question, novel, claims)
            sentence = answers.claim_sentence(fact, best, self.on) if best else fact.answer
            text = messages.not_stated(novel, _lower_first(sentence))
            return self.cited(text, [fact], outcomes.CORRECTION)
        # The fact's own country: "¿trajeron peruanos desde Jamaica?".
        if (
            any(c in fact.countries for c in retrieval.countries_in(question.text))
            and claims
            and ranking.best_lexical() >= 0.5
        ):
            return self.cited(messages.yes(self._quantity_sentence(fact, claims[0])), [fact], outcomes.ANSWERED)
        return self.whole_fact(fact)

    def _claim_for_novel(self, fact: Fact, question: Question, novel: str, claims: Sequence[Claim]) -> Optional[Claim]:
        """The claim that states what the question got wrong: "¿por un terremoto?" -> the
        reason; "¿en Nueva York?" -> the place; otherwise the fact's main claim."""
        before = re.search(
            rf"\b(\w+)\s+(?:(?:un|una|el|la|los|las|al|del)\s+)?{re.escape(fold(novel.split()[0]))}",
            fold(question.text),
        )
        preposition = before.group(1) if before else ""
        wanted = {
            "por": ("reason",),
            "x": ("reason",),
            "en": ("place", "organisation"),
            "con": ("partner", "organisation"),
            "a": ("recipient", "place"),
            "al": ("recipient", "place"),
            "desde": ("origin",),
        }.get(preposition, ())
        for attribute in wanted:
            for claim in claims:
                if claim.attribute == attribute:
                    return claim
        return claims[0] if claims else None

    def novel_words(self, text: str) -> Optional[str]:
        """The run of the question's words that no fact uses ("base militar gringa"), or None."""
        words = re.findall(r"[\wáéíóúñü]+", text)
        flags = []
        for word in words:
            folded = fold(word)
            novel = (
                len(folded) > 3
                and folded not in STOPWORDS
                and folded not in _CHATTER
                and folded not in _IRREGULAR_VERBS
                and not _VERB_ENDING.search(folded)
                and not folded.isdigit()
                and retrieval.stem(folded) not in self.known
                and not retrieval.countries_in(folded)
            )
            flags.append(novel)
        if not any(flags):
            return None
        first = flags.index(True)
        last = len(flags) - 1 - flags[::-1].index(True)
        if (
            first > 0
            and fold(words[first - 1]) not in STOPWORDS
            and retrieval.stem(fold(words[first - 1])) in self.known
            and not _VERB_ENDING.search(fold(words[first - 1]))
            and fold(words[first - 1]) not in _IRREGULAR_VERBS
        ):
            first -= 1  # "miembro pleno", not just "pleno"
        span = words[first : last + 1]
        return " ".join(span) if len(span) <= 5 else " ".join(w for w, f in zip(words, flags) if f)

    def broad(self, fact: Fact, ranking: retrieval.Ranking) -> Reply:
        """A broad question: the fact's whole answer, with the facts of its topic that match
        the question as well ("repatriaciones": Jamaica and Bolivia)."""
        scores = dict((f.key, s) for f, s in ranking.facts())
        best = scores.get(fact.key, 0.0)
        close = [f for f in self.facts if f.topic == fact.topic and best - scores.get(f.key, 0.0) <= BROAD_MARGIN]
        if fact not in close:
            close = [fact]
        return Reply(answers.render(close, on=self.on), outcomes.ANSWERED)

    def whole_fact(self, fact: Fact) -> Reply:
        return Reply(answers.render([fact], on=self.on), outcomes.ANSWERED)

    def say(self, fact: Fact, claims: Sequence[Claim], premise: str = "") -> Reply:
        sentences = [answers.claim_sentence(fact, c, self.on) for c in claims if c is not None]
        if not sentences:
            return self.whole_fact(fact)
        if premise:
            return self.cited(f"{premise} {messages.answer(sentences)}", [fact], outcomes.CORRECTION)
        return self.cited(messages.answer(sentences), [fact], outcomes.ANSWERED)

    def missing(self, fact: Fact, question: Question, instead: str = "") -> Reply:
        """The topic is known, the detail is not in the source: say which detail, in the
        citizen's own words, about what, and where to ask."""
        phrase = indirect_question(question.text) or "ese dato"
        if (
            set(retrieval.stems(question.text)) & self.subject_stems.get(fact.key, set())
            or self.by_key.get(fact.key) is not None
            and question.followup
        ):
            text = messages.missing_detail(phrase, _subject(fact))
        else:
            text = messages.missing_detail_plain(phrase)
        if instead:
            text = f"{text} {messages.only_this(instead)}"
        return self.cited(text, [fact], outcomes.MISSING_DETAIL)

    def out_of_sources(self, question: Question) -> Optional[Reply]:
        for topic, pattern in _OUT_OF_SOURCES:
            if pattern.search(question.folded):
                return Reply(messages.not_in_sources(label(topic)), outcomes.NO_INFORMATION)
        return None

    def clarify(self, options: Sequence[Fact]) -> Reply:
        buttons = [{"title": _button_title(f), "payload": f'/choose_option{{"fact": "{f.key}"}}'} for f in options]
        return Reply(messages.did_you_mean(), outcomes.CLARIFY, buttons)

    def cited(self, text: str, facts: Iterable[Fact], outcome: str) -> Reply:
        return Reply(f"{text}\n\n{answers.citation(f.source for f in facts)}", outcome)

    # --- the source itself ---------------------------------------------------------------

    def about_source(self, question: Question) -> Tuple[Reply, str]:
        sources: List[Source] = []
        for fact in self.facts:
            if fact.source.key not in {s.key for s in sources}:
                sources.append(fact.source)
        if not sources:
            return Reply(messages.not_in_sources("las fuentes"), outcomes.NO_INFORMATION), "source"
        source = sources[0]
        date = answers.spanish_date(source.published_on)
        folded = question.folded
        year = source.published_on.year
        month = answers.spanish_date(source.published_on, "month").split(" ")[0]
        asserted_months = [
            m
            for m in re.findall(
                r"\b(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
                r"setiembre|octubre|noviembre|diciembre)\b",
                folded,
            )
        ]
        if (question.years and year not in question.years) or (asserted_months and month not in asserted_months):
            return Reply(messages.source_correction(source.title, date), outcomes.CORRECTION), "date"
        if re.search(r"\b(link|enlace|url|pagina web|web)\b", folded) and not source.url:
            return Reply(
                messages.missing_detail(indirect_question(question.text) or "el enlace", f"la {source.title}")
                + " "
                + answers.citation([source]),
                outcomes.MISSING_DETAIL,
            ), "source"
        if question.kind == "date" or re.search(r"\b(cuando|de que (ano|mes|dia))\b", folded):
            return Reply(messages.source_date(source.title, date), outcomes.ANSWERED), "date"
        if re.search(r"\b(este ano|es de 20\d\d|actual\w*|reciente)\b", folded):
            return Reply(messages.source_yes(source.title, source.issuer, date), outcomes.ANSWERED), "date"
        if re.search(r"\b(numero|cual es la nota|que nota)\b", folded):
            return Reply(messages.source_number(source.title, date), outcomes.ANSWERED), "source"
        if (
            re.search(r"\b(titulo|titula|encabezado|titular|trata|sobre que|de que habla)\b", folded)
            and source.headline
        ):
            return Reply(messages.source_title(source.title, source.headline), outcomes.ANSWERED), "source"
        if re.search(r"\b(oficial|confiable|proviene|comunicado)\b", folded) or question.kind == "yesno":
            return Reply(messages.source_yes(source.title, source.issuer, date), outcomes.ANSWERED), "source"
        return Reply(
            messages.source_answer(source.title, source.issuer, date, source.headline or source.title),
            outcomes.ANSWERED,
        ), "source"


_NUMBER_WORDS = {
    1: "uno",
    2: "dos",
    3: "tres",
    4: "cuatro",
    5: "cinco",
    6: "seis",
    7: "siete",
    8: "ocho",
    9: "nueve",
    10: "diez",
    11: "once",
    12: "doce",
    15: "quince",
    20: "veinte",
}
_COUNTED_NOUNS = frozenset("personas asistentes participantes votantes ciudadanos funcionarios militares".split())


@lru_cache(maxsize=1)
def _city_pattern() -> "re.Pattern[str]":
    """Aliases of countries in data/nlu/countries.yml that are cities, not the country's own
    name nor a demonym ("nueva york", "madrid", not "peruanos")."""
    aliases = country_names.aliases()
    cities = [
        alias
        for alias, name in aliases.items()
        if alias != fold(name)
        and len(alias) > 3
        and alias[0].isalpha()
        and not alias.endswith(("nos", "nas", "no", "na", "es", "os", "as", "a"))
        or alias in ("nueva york", "washington", "la paz", "buenos aires", "santiago de chile", "miami")
    ]
    cities = [c for c in cities if c in aliases and aliases[c] != c]
    return re.compile(
        r"(?<![a-z0-9])(" + "|".join(re.escape(c) for c in sorted(cities, key=len, reverse=True)) + r")(?![a-z0-9])"
    )


def indirect_question(text: str) -> Optional[str]:
    """The citizen's question as an indirect one, in their own words: "en q ciudad estaban"
    -> "en qué ciudad estaban"; "firmaron algún acuerdo?" -> "si firmaron algún acuerdo"."""
    cleaned = re.sub(r"[¿?¡!.,;:]+", " ", text).strip()
    previous = None
    while previous != cleaned:
        previous = cleaned
        cleaned = _FILLERS.sub("", cleaned).strip()
    words = cleaned.split()
    if not words:
        return None
    for index, word in enumerate(words):
        folded = fold(word)
        if folded in _WH_WORDS and not (folded == "como" and index > 0):
            start = (
                index - 1
                if index > 0
                and fold(words[index - 1])
                in ("en", "de", "a", "con", "para", "por", "desde", "hasta", "sobre", "contra")
                else index
            )
            phrase = words[start:index] + [_WH_WORDS[folded]] + words[index + 1 :]
            if folded in ("xq", "pq", "porque") or (folded == "que" and index > 0 and fold(words[index - 1]) == "por"):
                phrase = words[start : index - (1 if folded == "que" else 0)] + ["por qué"] + words[index + 1 :]
            phrase = [("qué" if fold(w) == "q" else w) for w in phrase]
            if len(phrase) > 14:
                return None
            if fold(phrase[0]) in ("en", "de", "a", "con", "para", "por", "desde", "hasta", "sobre", "contra"):
                phrase[0] = phrase[0].lower()
            return " ".join(phrase)
    if len(words) > 12:
        return None
    words = [("qué" if fold(w) == "q" else w) for w in words]
    if words[0][:1].isupper() and fold(words[0]) in STOPWORDS | {"firmaron", "hubo", "fue", "fueron", "hay"}:
        words[0] = words[0].lower()
    return "si " + " ".join(words)


def _feminine(noun: str) -> bool:
    """Grammatical gender of a unit: "toneladas", "reuniones", "regiones" are feminine."""
    word = fold(noun).split(" ")[0] if noun else ""
    return word.endswith(("as", "a", "ones", "ion", "dad", "dades"))


def _subject(fact: Fact) -> str:
    return fact.subject or fact.key


def _lower_first(sentence: str) -> str:
    first = sentence.split(" ", 1)[0]
    if first in (
        "El",
        "La",
        "Los",
        "Las",
        "Se",
        "Fue",
        "Fueron",
        "Con",
        "En",
        "Esos",
        "Esa",
        "Ese",
        "Ambas",
        "Quedaron",
        "Estaban",
        "Su",
        "Además",
        "Desde",
    ):
        return sentence[0].lower() + sentence[1:]
    return sentence


def _where(fact: Fact) -> str:
    """How a part of a total is told: 'desde Jamaica' for a repatriation, else the subject."""
    if fact.countries and fact.topic == "repatriation":
        return f"desde {messages.join(list(fact.countries))}"
    if fact.countries:
        return f"en {messages.join(list(fact.countries))}"
    return f"en {_subject(fact)}"


def _button_title(fact: Fact) -> str:
    """A short button title (WhatsApp reply buttons take 20 characters)."""
    title = fact.subject or fact.key
    title = re.sub(r"^(el|la|los|las) ", "", title)
    title = title[0].upper() + title[1:]
    return title if len(title) <= 20 else title[:19].rstrip() + "…"

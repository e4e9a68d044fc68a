"""Grounding check: every number and proper name in a reply must come from somewhere.

Allowed sources: the facts store (every text, JSON and date column of every table, so
that claims or any other table added later count too), the fixed templates
(`actions/messages.py` string literals and `domain.yml` responses) and the citizen's own
messages in that conversation so far. Anything else in a reply is reported by name.

Numbers are read as digits ("24", "2025–2026", "63.ª"), written out ("veinticuatro",
"setenta y dos", "cien"), as ordinals ("sexagésima tercera", "décimo") and as Roman
numerals before a capitalised word ("X Congreso"); they are compared by value. Two kinds
of derived number are grounded as well, because the assistant is expected to compute
them: a total or difference whose parts are grounded numbers shown in the same reply
("96 en total: 24 desde Jamaica y 72 desde Bolivia"), and a count of the items of a list
of names in the store or in the same reply ("cinco: Alemania, Países Bajos, …").

Proper names are runs of adjacent capitalised words. A capitalised word that opens a
sentence ("Con", "Según", "Visitó") is an ordinary word when it is a Spanish word
(pyspellchecker's shipped word list, a short list of common words it lacks, or a verb by
its ending: "-ó", "-aron", "-ieron", "-mente", an accented imperative with "-se"/"-me")
and not a place name (Babel's Spanish names of countries and territories, Peru's regions
and main cities, a few capitals) nor one of a few common words that are also names
("Rubio", "Marco", "Paz"); otherwise it is a name ("Cajamarca", "Lima", "Hugo"). Lower-case
words are never names. A run is grounded when it appears, as words, in an allowed source.
A word that is neither in the list nor looks like a verb may be reported as a name when it
opens a sentence; the report shows it by name, so it is easy to tell.
"""
from __future__ import annotations

import ast
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import yaml

from benchmarks.conversation_checks import fold

# Common Spanish words that are also names of people or places this assistant may meet.
NAME_HOMOGRAPHS = frozenset({
    "rubio", "marco", "paz", "cruz", "leon", "victoria", "rosa", "pilar", "carmen", "mercedes", "dolores",
    "angeles", "cortes", "colon", "salvador", "sol", "luz", "esperanza", "trinidad", "concepcion", "maria",
    "pedro", "martin", "santiago", "quito", "lima", "puno", "ica",
})
# Peru's regions and main cities, and capitals citizens write from (countries come from Babel).
PLACES = (
    "Amazonas Áncash Apurímac Arequipa Ayacucho Cajamarca Callao Cusco Cuzco Huancavelica Huánuco Ica Junín "
    "Libertad Lambayeque Lima Loreto Moquegua Pasco Piura Puno Tacna Tumbes Ucayali Chiclayo Trujillo Huancayo "
    "Iquitos Pucallpa Chimbote Juliaca Huaraz Tarapoto Chancay Miraflores Arica Quito Santiago Bogotá Caracas "
    "Madrid Barcelona Milán Roma Tokio Miami Houston Paterson Washington Kingston Sucre Asunción Montevideo"
)
# Common words pyspellchecker's Spanish list lacks.
COMMON_WORDS = frozenset(
    "fue fueron era eran hubo hay son es esta estan sera seran gracias hola disculpe disculpa lamento "
    "lamentamos entiendo comprendo claro listo perfecto entendido segun tambien ademas asimismo actualmente "
    "finalmente primero luego despues ahora hoy ayer usted ustedes le les lo los las la el ella ellos ambos "
    "ambas dicho dicha dichos dichas este esta estos estas ese esa esos esas aqui ahi alli si no ni total "
    "solo todo todos toda todas cada otro otra otros otras mas menos ya aun todavia tampoco nunca siempre "
    "bien buenos buenas saludos nota fuente fuentes informacion datos dato respuesta consulte visite llame "
    "escriba elija puede puedo tengo tenemos".split()
)
# Standard abbreviations of a name in the store, read as that name.
ALIASES: Dict[str, str] = {
    r"\bEE\.\s?UU\.?": "Estados Unidos",
    r"\bEEUU\b": "Estados Unidos",
    r"\bONU\b": "Naciones Unidas",
}

_UPPER = "A-ZÁÉÍÓÚÑÜ"
_LETTER = "A-Za-zÁÉÍÓÚÑÜáéíóúñü"
_URL = re.compile(r"(?:https?://|www\.)[^\s<>«»\"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_WORD = re.compile(rf"[{_LETTER}](?:[{_LETTER}'’]|-(?=[{_LETTER}]))*")
_DIGITS = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")
_INITIAL_MARKS = set(".!?¡¿\n«\"“(…")

# --- numbers ---------------------------------------------------------------------------

_UNITS = {
    "cero": 0, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiuno": 21,
    "veintiun": 21, "veintiuna": 21, "veintidos": 22, "veintitres": 23, "veinticuatro": 24,
    "veinticinco": 25, "veintiseis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29,
}
_TENS = {"treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80,
         "noventa": 90}
_HUNDREDS = {"cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300,
             "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500, "quinientas": 500,
             "seiscientos": 600, "seiscientas": 600, "setecientos": 700, "setecientas": 700,
             "ochocientos": 800, "ochocientas": 800, "novecientos": 900, "novecientas": 900}
_ONE = {"un", "una", "uno"}
_ORDINAL_STEMS = {
    "segund": 2, "tercer": 3, "cuart": 4, "quint": 5, "sext": 6, "septim": 7, "setim": 7, "octav": 8,
    "noven": 9, "decim": 10, "undecim": 11, "duodecim": 12, "vigesim": 20, "trigesim": 30,
    "cuadragesim": 40, "quincuagesim": 50, "sexagesim": 60, "septuagesim": 70, "octogesim": 80,
    "nonagesim": 90, "centesim": 100,
}
_ORDINAL = re.compile(r"^(" + "|".join(sorted(_ORDINAL_STEMS, key=len, reverse=True)) + r")(o|a|os|as|)$")
_ROMAN = re.compile(r"^(?=[IVXLC])(C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman_value(token: str) -> Optional[int]:
    if not _ROMAN.match(token) or token == "I":
        return None
    total = 0
    for index, char in enumerate(token):
        value = _ROMAN_VALUES[char]
        following = _ROMAN_VALUES[token[index + 1]] if index + 1 < len(token) else 0
        total += -value if value < following else value
    return total


def _ordinal_value(word: str) -> Optional[int]:
    if word.startswith("decimo") and len(word) > 6 and not word.startswith("decimos"):
        rest = _ordinal_value(word[6:])  # "decimotercero"
        return 10 + rest if rest and rest < 10 else None
    if word.startswith("decima") and len(word) > 6 and not word.startswith("decimas"):
        rest = _ordinal_value(word[6:])
        return 10 + rest if rest and rest < 10 else None
    match = _ORDINAL.match(word)
    if not match:
        return None
    if match.group(1) == "tercer" and match.group(2) not in ("o", "a", "os", "as", ""):
        return None
    return _ORDINAL_STEMS[match.group(1)]


def _digit_value(text: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):  # 1.500 (Spanish thousands)
        return float(text.replace(".", ""))
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):  # 1,500
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


@dataclass(frozen=True)
class Mention:
    kind: str  # "number", "name" or "link"
    text: str  # as written in the reply
    value: object = None  # a number's value; a name's folded text


def numbers_in(text: str) -> List[Mention]:
    """Every number in `text`, with its value (URLs and e-mail addresses left out)."""
    text = _URL.sub(" ", text)
    found = [Mention("number", m.group(), _digit_value(m.group())) for m in _DIGITS.finditer(text)]
    words = [(m.group(), fold(m.group())) for m in _WORD.finditer(text)]
    index = 0
    while index < len(words):
        raw, word = words[index]
        roman = _roman_value(raw)
        if roman is not None and index + 1 < len(words) and words[index + 1][0][:1].isupper():
            found.append(Mention("number", raw, float(roman)))
            index += 1
            continue
        ordinal = _ordinal_value(word)
        if ordinal is not None:
            value, end = ordinal, index + 1
            if ordinal >= 20 and end < len(words):
                following = _ordinal_value(words[end][1])
                if following is not None and following < 10:
                    value, end = value + following, end + 1
            found.append(Mention("number", " ".join(w for w, _ in words[index:end]), float(value)))
            index = end
            continue
        value, end = _cardinal(words, index)
        if end > index:
            found.append(Mention("number", " ".join(w for w, _ in words[index:end]), float(value)))
            index = end
            continue
        index += 1
    return found


def _cardinal(words: Sequence[Tuple[str, str]], start: int) -> Tuple[int, int]:
    """A written-out cardinal starting at words[start]: (value, end index); end == start if none."""
    total = current = 0
    index = start
    last_kind = None
    while index < len(words):
        word = words[index][1]
        if word in _ONE and index + 1 < len(words) and words[index + 1][1] in ("mil", "millon", "millones"):
            current += 1
            last_kind = "unit"
        elif word in _HUNDREDS and last_kind in (None, "thousand"):
            current += _HUNDREDS[word]
            last_kind = "hundred"
        elif word in _TENS and last_kind in (None, "hundred", "thousand"):
            current += _TENS[word]
            last_kind = "tens"
        elif word in _UNITS and last_kind in (None, "hundred", "thousand", "and"):
            current += _UNITS[word]
            last_kind = "unit"
        elif word in _ONE and last_kind == "and":
            current += 1
            last_kind = "unit"
        elif word == "y" and last_kind == "tens" and index + 1 < len(words) and (
            words[index + 1][1] in _UNITS and _UNITS[words[index + 1][1]] < 10 or words[index + 1][1] in _ONE
        ):
            last_kind = "and"
        elif word == "mil" and last_kind in (None, "unit", "tens", "hundred"):
            total += (current or 1) * 1000
            current = 0
            last_kind = "thousand"
        elif word in ("millon", "millones") and last_kind in ("unit", "tens", "hundred"):
            total += current * 1_000_000
            current = 0
            last_kind = "thousand"
        else:
            break
        index += 1
    if last_kind is None:
        return 0, start
    return total + current, index


# --- lists of names ---------------------------------------------------------------------

_NAME_WORD = rf"[{_UPPER}][\w.–-]*"
_ITEM = rf"(?:(?:el|la|los|las)\s+)?{_NAME_WORD}(?:\s+(?:(?:de|del|la|las|los|el)\s+)*{_NAME_WORD})*"
_LIST = re.compile(rf"{_ITEM}(?:\s*,\s*{_ITEM})*\s*,?\s+(?:y|e)\s+{_ITEM}")
_ITEM_RE = re.compile(_ITEM)


def list_counts(text: str) -> Set[int]:
    """How many items each list of names in `text` has ("A, B y C" -> 3)."""
    counts = set()
    for chunk in re.split(r"[.;:!?()\n]", _URL.sub(" ", text)):
        for match in _LIST.finditer(chunk):
            counts.add(len(_ITEM_RE.findall(match.group())))
    return counts


# --- names ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _dictionary() -> Dict[str, int]:
    from spellchecker import SpellChecker

    frequencies: Dict[str, int] = {}
    for word, count in SpellChecker(language="es").word_frequency.dictionary.items():
        key = fold(word)
        frequencies[key] = max(count, frequencies.get(key, 0))
    return frequencies


@lru_cache(maxsize=1)
def _place_names() -> FrozenSet[str]:
    """Folded one-word place names: Babel's Spanish territory names and PLACES."""
    from babel import Locale

    names = set(Locale("es").territories.values()) | set(PLACES.split())
    return frozenset(fold(name) for name in names if " " not in name)


_VERB = re.compile(r"(?:[a-zñ]{2,}ó|[a-zñ]+(?:aron|ieron|eron|aban|mente)"
                   r"|[a-zñ]*[áéíóú][a-zñ]*(?:se|me|le|les|lo|nos))$")


def is_ordinary_word(word: str) -> bool:
    """Whether a capitalised word that opens a sentence is an ordinary Spanish word, not a name."""
    key = fold(word)
    if key in NAME_HOMOGRAPHS or key in _place_names():
        return False
    return key in COMMON_WORDS or key in _dictionary() or _VERB.fullmatch(word.lower()) is not None


def _expand_aliases(text: str) -> str:
    for pattern, name in ALIASES.items():
        text = re.sub(pattern, name, text)
    return text


def names_in(text: str) -> List[Mention]:
    """Proper names in `text`: runs of adjacent capitalised words (see the module docstring)."""
    text = _expand_aliases(_URL.sub(" . ", text))
    names: List[Mention] = []
    run: List[str] = []
    previous_end = 0

    def close() -> None:
        if run:
            names.append(Mention("name", " ".join(run), fold(" ".join(run))))
            run.clear()

    for match in _WORD.finditer(text):
        word = match.group()
        gap = text[previous_end:match.start()]
        initial = previous_end == 0 or any(c in _INITIAL_MARKS for c in gap)
        adjacent = bool(run) and gap.strip() == ""
        previous_end = match.end()
        if not word[:1].isupper() or _roman_value(word) is not None:
            close()
            continue
        if initial and not (word.isupper() and len(word) > 1) and is_ordinary_word(word):
            close()
            continue
        if not adjacent:
            close()
        run.append(word)
    close()
    return names


def urls_in(text: str) -> List[Mention]:
    return [Mention("link", m.group().rstrip(".,;:)»"), fold(m.group().rstrip(".,;:)»/")))
            for m in _URL.finditer(text)]


# --- the allowed sources --------------------------------------------------------------


@dataclass
class Corpus:
    """What a reply may take numbers and names from (before the citizen's messages)."""

    texts: List[str] = field(default_factory=list)
    extra_numbers: Set[float] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.folded = " \n ".join(fold(_expand_aliases(t)) for t in self.texts)
        self.numbers = {m.value for t in self.texts for m in numbers_in(t)} | set(self.extra_numbers)
        self.counts = {float(c) for t in self.texts for c in list_counts(t)}

    def with_texts(self, texts: Iterable[str]) -> "Corpus":
        return Corpus(self.texts + list(texts), set(self.extra_numbers))


def store_texts(facts_url: str) -> Tuple[List[str], Set[float]]:
    """Every text of the facts store and the numbers of its dates.

    Reads every table (reflected, so new tables such as claims count without a code
    change): text and JSON columns, and Date columns (their day, month and year).
    Timestamps, keys and counters (primary and foreign keys, `position`) are left out.
    """
    from sqlalchemy import JSON, Date, DateTime, Integer, MetaData, Numeric, create_engine, select

    engine = create_engine(facts_url, future=True)
    metadata = MetaData()
    metadata.reflect(engine)
    texts: List[str] = []
    numbers: Set[float] = set()
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                for column in table.columns:
                    value = row[column.name]
                    if value is None:
                        continue
                    kind = column.type
                    if isinstance(kind, DateTime) or column.primary_key or column.foreign_keys:
                        continue
                    if isinstance(kind, Date) or isinstance(value, dt.date):
                        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
                        numbers.update({float(day.year), float(day.month), float(day.day)})
                    elif isinstance(kind, (Integer, Numeric)):
                        if column.name not in ("position", "order", "rank", "version"):
                            numbers.add(float(value))
                    elif isinstance(kind, JSON) or isinstance(value, (list, dict)):
                        texts.extend(_strings(value))
                    elif isinstance(value, str):
                        texts.append(value)
    engine.dispose()
    return texts, numbers


def _strings(value: object) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def template_texts(root: Path) -> List[str]:
    """The fixed templates: string literals of actions/messages.py, domain.yml's responses."""
    texts: List[str] = []
    messages = root / "actions" / "messages.py"
    if messages.exists():
        tree = ast.parse(messages.read_text(encoding="utf-8"))
        texts.extend(node.value for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str))
    domain = root / "domain.yml"
    if domain.exists():
        responses = (yaml.safe_load(domain.read_text(encoding="utf-8")) or {}).get("responses") or {}
        texts.extend(_strings(responses))
    return texts


def build_corpus(facts_url: str, root: Path) -> Corpus:
    texts, numbers = store_texts(facts_url)
    return Corpus(texts + template_texts(root), numbers)


# --- the check ------------------------------------------------------------------------


def _phrase_in(folded_phrase: str, folded_text: str) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(folded_phrase) + r"(?![a-z0-9])", folded_text) is not None


def _derived(value: float, others: Sequence[float]) -> bool:
    """Whether `value` is a sum (2–6 parts) or a difference of the other numbers shown."""
    distinct = [v for v in others if v != value][:12]
    for a, b in itertools.combinations(distinct, 2):
        if abs(a - b) == value:
            return True
    for size in range(2, min(6, len(distinct)) + 1):
        for parts in itertools.combinations(distinct, size):
            if sum(parts) == value:
                return True
    return False


def ungrounded(reply: str, corpus: Corpus, citizen: Sequence[str] = ()) -> List[Mention]:
    """The numbers, names and links in `reply` that no allowed source contains."""
    citizen_text = " \n ".join(fold(_expand_aliases(t)) for t in citizen)
    citizen_numbers = {m.value for t in citizen for m in numbers_in(t)}
    problems: List[Mention] = []

    numbers = numbers_in(reply)
    direct = [m.value for m in numbers if m.value in corpus.numbers or m.value in citizen_numbers]
    reply_counts = {float(c) for c in list_counts(reply)}
    for mention in numbers:
        value = mention.value
        if value in corpus.numbers or value in citizen_numbers:
            continue
        if value in corpus.counts or value in reply_counts:
            continue
        if _derived(value, direct):
            continue
        problems.append(mention)

    for mention in names_in(reply):
        if not (_phrase_in(mention.value, corpus.folded) or _phrase_in(mention.value, citizen_text)):
            problems.append(mention)

    for mention in urls_in(reply):
        if mention.value not in corpus.folded and mention.value not in citizen_text:
            problems.append(mention)
    return problems

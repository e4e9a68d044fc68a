"""The conversation set's schema and the checks of one reply (tests/conversations/README.md).

A conversation is a list of turns; a turn with a `category` is checked, a turn without
one only sets the scene ("hola"). Every check is derived from the source (Nota de Prensa
9-26), not from what any version of the assistant says, and is tolerant of wording but
not of content: patterns are matched case- and accent-insensitively on word boundaries,
with alternatives ("24|veinticuatro") and word-suffix wildcards ("repatri*").

Pure functions: no servers, no network, easy to test (tests/benchmarks/).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import yaml

CATEGORIES: Tuple[str, ...] = (
    "specific_fact",
    "attribute_followup",
    "entity_followup",
    "aggregate",
    "missing_detail",
    "false_premise",
    "multi_question",
    "about_source",
    "tone",
    "out_of_scope",
)
# Categories whose answer gives a fact from the source, so it must cite it (unless the turn says cites: false).
CITING_CATEGORIES = frozenset(
    {"specific_fact", "attribute_followup", "entity_followup", "aggregate", "false_premise", "multi_question",
     "about_source"}
)
HONEST_CATEGORIES = frozenset({"missing_detail", "out_of_scope"})

# Phrases no checked turn may contain: the generic fallback (every checked message is a
# clear question or a clear acknowledgement) and the April 2026 elections told as upcoming
# (today is after them).
GLOBAL_FORBIDDEN: Tuple[str, ...] = (
    "no logre entender",
    "estan previstas",
    "esta prevista",
    "abril proximo",
    "proximo abril",
    "se realizaran en abril",
    "seran en abril",
)
# A known topic with an unknown detail is in scope: "out of what I can answer" is wrong there.
CATEGORY_FORBIDDEN: Dict[str, Tuple[str, ...]] = {"missing_detail": ("fuera de lo que puedo responder",)}

# Special tokens usable as an alternative in any pattern (regular expressions over folded text).
_ADMISSION = (
    r"no tengo (?:esa |ese |la |el |los |las |dicha |dichos |mas |)(?:informacion|dato|datos|detalle|detalles"
    r"|confirmad\w*|registro)"
    r"|no cuento con|no dispongo"
    r"|no (?:se |lo |la |los |las )?(?:indica|indican|menciona|mencionan|precisa|precisan|especifica|especifican"
    r"|detalla|detallan|dice|incluye|incluyen|informa|informan|senala|senalan|consigna|aparece|aparecen|figura"
    r"|figuran|consta|registra|recoge|recogen|publica|refiere|nombra|identifica|da a conocer)"
    r"|no esta (?:confirmad\w*|disponible|en (?:la|mis|las|el|esta) )"
    r"|no hay (?:informacion|datos|un dato|registro|detalle)"
    r"|sin (?:informacion|datos) confirmad\w*"
    r"|desconozco"
    r"|(?:esta|queda|se encuentra) fuera de (?:lo que puedo|mis temas|mi alcance|los temas)"
    r"|no puedo (?:confirmar|darle|responder|ayudarle|brindarle|informarle|indicarle)"
    r"|no lo se"
)
_CHANNEL = (
    r"gob\.pe|portal|consulado|consulados|embajada|embajadas|seccion consular|canales oficiales|canal oficial"
    r"|oficina consular|oficinas consulares"
)
_PAST = (
    r"ya pas\w*|se realizaron|se celebraron|se llevaron a cabo|tuvieron lugar|se desarrollaron|estaban previstas"
    r"|estaba prevista|historic\w*|ya ocurri\w*|ya se realiz\w*|ya fueron|fueron en abril|ya concluy\w*"
)
_CORRECTION = (
    r"^\W*no\b|(?<![a-z0-9])(?:no[,.:;!]|no (?:fueron|fue|es|son|era|eran|se|hubo|hay|lo|la|visito|salio|estuvo|exactamente"
    r"|corresponde|coincide)\b"
    r"|en realidad|en verdad|mas bien|segun la nota|segun la fuente|segun mis fuentes|de acuerdo con la nota"
    r"|la nota (?:indica|dice|senala|menciona|precisa|informa|registra)"
    r"|no es (?:asi|correcto|exacto|cierto)|incorrect\w*|inexact\w*|equivoc\w*|aclar\w*|corrig\w*|correccion"
    r"|precis(?:o|amos|ar)\b)"
)
SPECIAL_TOKENS: Dict[str, str] = {"@honest": _ADMISSION, "@channel": _CHANNEL, "@past": _PAST}
# "Sí" as an answer. Matched on the text with its accents (folding would turn "sí" into the
# conditional "si"): "sí" anywhere, or an unaccented "si" followed by punctuation ("Si, …").
YES_TOKEN = "@yes"
_YES = re.compile(r"(?<!\w)sí(?!\w)|(?<!\w)si(?=\s*[,.:;!)\u2013\u2014-]|\s*$)")
_CITATION = r"nota de prensa (?:n\.?\s*|no\.?\s*|numero\s*|nro\.?\s*)?9-26"

TURN_KEYS = frozenset(
    {"user", "category", "first", "all", "any", "none", "in_order", "cites", "honest", "missing", "corrects",
     "channel", "max_words", "note"}
)

# --- text ------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, no accents (ª -> a), one kind of dash, "9 - 26" -> "9-26", single spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub("[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"(?<=\w)\s*-\s*(?=\w)", "-", text)
    return re.sub(r"\s+", " ", text).strip()


_BOUNDARY_BEFORE = r"(?<![a-z0-9])"
_BOUNDARY_AFTER = r"(?![a-z0-9])"


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> "re.Pattern[str]":
    """A pattern ("24|veinticuatro", "repatri*", "@honest") as a regular expression over folded text."""
    alternatives = []
    for alternative in pattern.split("|"):
        alternative = alternative.strip()
        if alternative == YES_TOKEN:
            continue
        if alternative in SPECIAL_TOKENS:
            alternatives.append(f"{_BOUNDARY_BEFORE}(?:{SPECIAL_TOKENS[alternative]}){_BOUNDARY_AFTER}")
            continue
        folded = fold(alternative)
        if not folded or folded.startswith("@"):
            raise ValueError(f"empty or unknown alternative in «{pattern}»")
        body = "".join(
            r"[a-z0-9]*" if piece == "*" else re.escape(piece).replace(r"\ ", r"\s+")
            for piece in re.split(r"(\*)", folded)
            if piece
        )
        alternatives.append(f"{_BOUNDARY_BEFORE}{body}{_BOUNDARY_AFTER}")
    return re.compile("|".join(alternatives) or r"(?!x)x")


def find(pattern: str, text: str, start: int = 0, raw: Optional[str] = None) -> Optional["re.Match[str]"]:
    """The first match of `pattern` in `text` (already folded) at or after `start`.

    A `@yes` alternative is looked for in `raw` (the same text, not folded), anywhere.
    """
    match = compile_pattern(pattern).search(text, start)
    if match is None and raw is not None and YES_TOKEN in (a.strip() for a in pattern.split("|")):
        match = _YES.search(unicodedata.normalize("NFC", raw).lower())
    return match


# Sentence boundaries: . ! ? … followed by a space or the end, and line breaks; a full stop
# right after one or two capitals is an abbreviation ("D. C.", "EE. UU."), not an end.
_SENTENCE_END = re.compile(r"[.!?\u2026]+(?=\s|$)|\n+")
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:[A-ZÁÉÍÓÚÑ]{1,2}|Sr|Sra|Dr|Dra|Ud|Uds|núm|Núm|art|Art)$")
FIRST_WINDOW_MIN_WORDS = 4


def sentences(text: str) -> List[str]:
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith(".") and _ABBREVIATION.search(text[start:match.start()]):
            continue
        piece = text[start:match.end()].strip()
        if piece:
            parts.append(piece)
        start = match.end()
    rest = text[start:].strip()
    if rest:
        parts.append(rest)
    return parts


def first_window(text: str) -> str:
    """The reply's first sentence; when it is shorter than four words ("Sí.", "¡Claro!",
    "No."), the next sentences are added until it is not."""
    window: List[str] = []
    for sentence in sentences(text):
        window.append(sentence)
        if len(re.findall(r"\w+", " ".join(window))) >= FIRST_WINDOW_MIN_WORDS:
            break
    return " ".join(window)


# --- the schema ----------------------------------------------------------------------


def _patterns(value: Union[None, str, Sequence[str]]) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


@dataclass(frozen=True)
class Turn:
    """One citizen message and, when `category` is set, what its reply must contain."""

    user: str
    category: Optional[str] = None
    first: Tuple[str, ...] = ()
    all: Tuple[str, ...] = ()
    any: Tuple[str, ...] = ()
    none: Tuple[str, ...] = ()
    in_order: Tuple[str, ...] = ()
    cites: bool = False
    honest: bool = False
    missing: Optional[str] = None
    corrects: bool = False
    channel: bool = False
    max_words: Optional[int] = None

    @property
    def checked(self) -> bool:
        return self.category is not None

    @classmethod
    def from_dict(cls, data: Dict[str, Any], where: str = "") -> "Turn":
        if not isinstance(data, dict):
            raise ValueError(f"{where}: a turn is a mapping with «user»")
        unknown = set(data) - TURN_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        user = data.get("user")
        if not isinstance(user, str) or not user.strip():
            raise ValueError(f"{where}: «user» must be a non-empty text")
        category = data.get("category")
        checks = set(data) - {"user", "note", "category"}
        if category is None:
            if checks:
                raise ValueError(f"{where}: a turn with checks needs a «category»")
            return cls(user=user)
        if category not in CATEGORIES:
            raise ValueError(f"{where}: unknown category «{category}»")
        turn = cls(
            user=user,
            category=category,
            first=tuple(_patterns(data.get("first"))),
            all=tuple(_patterns(data.get("all"))),
            any=tuple(_patterns(data.get("any"))),
            none=tuple(_patterns(data.get("none"))),
            in_order=tuple(_patterns(data.get("in_order"))),
            cites=bool(data.get("cites", category in CITING_CATEGORIES)),
            honest=bool(data.get("honest", category in HONEST_CATEGORIES)),
            missing=data.get("missing"),
            corrects=bool(data.get("corrects", category == "false_premise")),
            channel=bool(data.get("channel", False)),
            max_words=data.get("max_words"),
        )
        if category == "missing_detail" and not turn.missing:
            raise ValueError(f"{where}: a missing_detail turn names the missing detail in «missing»")
        if category == "multi_question" and len(turn.in_order) < 2:
            raise ValueError(f"{where}: a multi_question turn lists its answers in «in_order» (2 or more)")
        if turn.max_words is not None and (not isinstance(turn.max_words, int) or turn.max_words < 1):
            raise ValueError(f"{where}: «max_words» is a positive integer")
        for pattern in (*turn.first, *turn.all, *turn.any, *turn.none, *turn.in_order, *_patterns(turn.missing)):
            try:
                compile_pattern(pattern)
            except (ValueError, re.error) as error:
                raise ValueError(f"{where}: {error}") from None
        if not (turn.first or turn.all or turn.any or turn.in_order or turn.honest or turn.corrects
                or turn.channel or turn.max_words or turn.none or turn.cites):
            raise ValueError(f"{where}: the turn checks nothing")
        return turn


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: Tuple[Turn, ...]

    @property
    def checked_turns(self) -> List[Tuple[int, Turn]]:
        return [(index, turn) for index, turn in enumerate(self.turns) if turn.checked]

    @property
    def categories(self) -> List[str]:
        return [turn.category for turn in self.turns if turn.category]

    @property
    def multi_turn(self) -> bool:
        return len(self.turns) > 1

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Conversation":
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"].strip():
            raise ValueError(f"every conversation has a text «id»: {data!r:.80}")
        unknown = set(data) - {"id", "turns", "note"}
        if unknown:
            raise ValueError(f"{data['id']}: unknown keys {sorted(unknown)}")
        raw_turns = data.get("turns")
        if not isinstance(raw_turns, list) or not raw_turns:
            raise ValueError(f"{data['id']}: «turns» is a non-empty list")
        turns = tuple(Turn.from_dict(t, f"{data['id']} turn {i + 1}") for i, t in enumerate(raw_turns))
        if not any(t.checked for t in turns):
            raise ValueError(f"{data['id']}: no turn is checked")
        return cls(id=data["id"], turns=turns)


def parse_conversations(raw: Any, where: str = "") -> List[Conversation]:
    """Conversations from a YAML document: a list, or a mapping with `conversations:`."""
    if isinstance(raw, dict):
        raw = raw.get("conversations")
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list of conversations")
    conversations = [Conversation.from_dict(item) for item in raw]
    seen = set()
    for conversation in conversations:
        if conversation.id in seen:
            raise ValueError(f"{where}: repeated id «{conversation.id}»")
        seen.add(conversation.id)
    return conversations


def load_conversations(path: Path) -> List[Conversation]:
    return parse_conversations(yaml.safe_load(Path(path).read_text(encoding="utf-8")), str(path))


# --- checking a reply ----------------------------------------------------------------


@dataclass
class CheckResult:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class TurnVerdict:
    checks: List[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> List[CheckResult]:
        return [check for check in self.checks if not check.passed]


def _excerpt(text: str, limit: int = 120) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_reply(turn: Turn, reply: str) -> TurnVerdict:
    """Every check of `turn` against the assistant's `reply` (its messages' text, joined)."""
    verdict = TurnVerdict()
    add = verdict.checks.append
    folded = fold(reply)
    raw_window = first_window(reply)
    window = fold(raw_window)
    # The multi-question case answers several things in order: its honesty and named
    # missing detail may come after the first answer.
    multi = turn.category == "multi_question"
    honest_scope, raw_scope = (folded, reply) if multi else (window, raw_window)

    add(CheckResult("reply", bool(folded), "" if folded else "empty reply"))
    # A multi-question's first answer opens the reply, like any answer.
    for pattern in (*turn.first, *(turn.in_order[:1] if multi else ())):
        ok = find(pattern, window, raw=raw_window) is not None
        add(CheckResult("first", ok, "" if ok else f"«{pattern}» not in the first sentence «{_excerpt(window)}»"))
    for pattern in turn.all:
        ok = find(pattern, folded, raw=reply) is not None
        add(CheckResult("all", ok, "" if ok else f"«{pattern}» absent"))
    if turn.any:
        ok = any(find(pattern, folded, raw=reply) for pattern in turn.any)
        add(CheckResult("any", ok, "" if ok else "none of " + ", ".join(f"«{p}»" for p in turn.any)))
    forbidden = (*GLOBAL_FORBIDDEN, *CATEGORY_FORBIDDEN.get(turn.category or "", ()), *turn.none)
    for pattern in forbidden:
        match = find(pattern, folded)
        add(CheckResult("none", match is None, "" if match is None else f"contains the forbidden «{pattern}»"))
    if turn.in_order:
        add(_in_order(turn.in_order, reply, folded))
    if turn.cites:
        ok = re.search(_CITATION, folded) is not None
        add(CheckResult("cites", ok, "" if ok else "does not cite Nota de Prensa 9-26"))
    if turn.honest:
        ok = find("@honest", honest_scope) is not None
        add(CheckResult("honest", ok, "" if ok else f"does not say the information is not available: «{_excerpt(window)}»"))
    if turn.honest or turn.channel:
        ok = find("@channel", folded) is not None
        add(CheckResult("channel", ok, "" if ok else "points to no official channel"))
    if turn.missing:
        ok = find(turn.missing, honest_scope, raw=raw_scope) is not None
        add(CheckResult("missing", ok, "" if ok else f"does not name the missing detail («{turn.missing}»)"))
    if turn.corrects:
        ok = re.search(_CORRECTION, window) is not None
        add(CheckResult("corrects", ok, "" if ok else f"does not correct the premise: «{_excerpt(window)}»"))
    if turn.max_words:
        words = len(re.findall(r"\w+", reply))
        ok = words <= turn.max_words
        add(CheckResult("max_words", ok, "" if ok else f"{words} words (at most {turn.max_words})"))
    return verdict


def _in_order(patterns: Sequence[str], reply: str, folded: str) -> CheckResult:
    """Each answer after the previous one; or all of them within one sentence, which answers
    the questions together ("El Perú fue sede de la 63.ª Sesión Plenaria del Panel
    Intergubernamental…" answers "¿qué es el IPCC y qué pasó en el Perú?")."""
    position = 0
    for pattern in patterns:
        match = find(pattern, folded, position)
        if match is None and find(pattern, "", raw=reply):  # "@yes" has no position: anywhere
            continue
        if match is None:
            if any(all(find(p, fold(s), raw=s) for p in patterns) for s in sentences(reply)):
                return CheckResult("in_order", True)
            return CheckResult("in_order", False,
                               f"«{pattern}» " + ("out of order" if find(pattern, folded) else "absent"))
        position = match.end()
    return CheckResult("in_order", True)


def reply_text(messages: Iterable[Dict[str, Any]]) -> str:
    """The text a citizen reads in the REST channel's reply (buttons' titles are not text)."""
    return "\n".join(str(m.get("text") or "") for m in messages if m.get("text"))

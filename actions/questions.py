"""What a citizen's question asks: its type, the numbers and places it asserts, whether it
is a follow-up, and how a message with several questions splits into them.

Pure functions over text, no Rasa, no store. Text is compared folded (lower case, no
accents), so "cuántos", "cuantos" and "CUANTOS" are the same word; WhatsApp shorthand
("q", "xq", "cuantos fueron??") is understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, List, Optional, Tuple

from actions.countries import fold

# Question type -> the claim attributes (actions/attributes.py) that answer it, best first.
ACCEPTS: Dict[str, Tuple[str, ...]] = {
    "quantity": ("quantity",),
    "who": ("actor", "partner", "organisation", "role"),
    "partner": ("partner", "organisation"),
    "place": ("place", "origin", "role"),
    "origin": ("origin", "place"),
    "recipient": ("recipient",),
    "date": ("date",),
    "signed": ("signed",),
    "discussed": ("discussed", "topics", "action", "purpose"),
    "name": ("name", "organisation", "partner"),
    "edition": ("edition",),
    "reason": ("reason", "purpose"),
    "purpose": ("purpose", "reason"),
    "role": ("role",),
    "organisation": ("organisation", "partner"),
    "list": ("place", "partner", "signed", "topics"),
    "definition": ("organisation", "action", "purpose"),
    "more": (),
    "against": ("purpose", "discussed", "topics", "reason"),
    "content": ("topics",),
    "identity": ("role", "name"),
}

# Checked in order: the first pattern that matches the folded question decides its type.
_TYPE_PATTERNS: List[Tuple[str, str]] = [
    ("edition", r"\b(que|cual|cuanta) (numero de )?(edicion|version|sesion|numero)\b|\bedicion\b|\bque numero\b"),
    ("origin", r"\b(de|desde) (donde|que pais|que lugar|que ciudad)\b|\bde donde\b"),
    (
        "recipient",
        r"\b(a|para) (quien(es)?|que (entidad|institucion|ministerio|organismo))\b|"
        r"\bquien(es)? (los |las |lo |la )?recib\w*|\ba que ministerio\b",
    ),
    ("partner", r"\bcon (quien(es)?|que (pais(es)?|persona|autoridad(es)?|organismo|institucion(es)?|entidad(es)?))\b"),
    ("quantity", r"\bcuant[oa]s?\b|\bque cantidad\b|\bnumero de\b|\bcuanta gente\b"),
    ("against", r"\bcontra (quien(es)?|que)\b"),
    ("identity", r"\bquien(es)? (es|son|era|eran|sera) (el|la|los|las|ese|esa|este|esta)?\b"),
    ("who", r"\bquien(es)?\b"),
    ("signed", r"\b(firm\w*|suscri\w*)\b"),
    (
        "date",
        r"\bcuando\b|\b(que|cual) (fecha|dia|mes|ano)\b|\ben que (fecha|mes|ano)\b|\bfecha\b|"
        r"\bhasta que ano\b|\bde que anos?\b|\bya (fue|fueron|paso|pasaron|se realizaron|ocurrieron)\b|\btodavia\b",
    ),
    (
        "place",
        r"\bdonde\b|\b(en )?(que|cual) (ciudad|lugar|region|regiones|sitio|pais|departamento|provincia|"
        r"puerto|organo)\b|\bante (que|quien)\b",
    ),
    ("reason", r"\bpor que\b|\bmotivo\b|\bcausa\b|\brazon\b"),
    ("purpose", r"\bpara que\b|\bobjetivo\b|\bfinalidad\b|\bproposito\b"),
    (
        "discussed",
        r"\b(de )?que (se )?(hablaron|hablo|trataron|trato|conversaron|converso|acordaron|acordo|"
        r"discutieron|discutio|dijeron|dijo|pidio|pidieron|propuso|propusieron|planteo|plantearon|"
        r"reafirmaron|reafirmo|exhorto|compromiso)\b|\bde que (trato|hablo|se trato)\b|\bque temas\b|"
        r"\bque compromiso\b",
    ),
    ("name", r"\bcomo se llam\w*\b|\b(cual|que) (es|era|fue) el nombre\b|\bnombre\b"),
    ("role", r"\b(que|cual) (cargo|puesto|rol|papel)\b|\ben (que|calidad de) calidad\b|\bcargo tiene\b"),
    (
        "organisation",
        r"\b(que|cual) (organismo|organizacion|institucion|entidad|programa)s?\b|"
        r"\b(de|en) (que|cual) (organismo|organizacion|programa)s?\b",
    ),
    (
        "definition",
        r"\b(que|cual) (es|son|significa|era|eran)\b(?! (la fecha|el nombre|el numero|el motivo|la causa))|"
        r"\bque (fue|fueron) (eso|lo|esto)\b|\bque (es|son) (eso|lo)\b",
    ),
    (
        "more",
        r"^(y )?(que|algo) mas\b|\bque otra cosa\b|\balgo mas (hicieron|se hizo|paso)\b|\by que mas\b|"
        r"\bque mas (se hizo|hicieron|hizo|paso|hubo)\b",
    ),
    (
        "content",
        r"\bque (dice|dicen|contiene|contienen|establece|establecen|plantea|incluia|incluye|incluyen)\b|"
        r"\b(que|cual) es (el contenido|su contenido)\b|\bque tipo de\b",
    ),
    ("list", r"\b(cuales|que) (son|fueron) (las|los)\b|\b(que|cuales) (regiones|paises|documentos|temas|lugares)\b"),
]

# Broad questions ask for a whole topic: "¿qué hizo la Cancillería con Ecuador?".
_BROAD = re.compile(
    r"\b(que|q) (hizo|hicieron|ha hecho|han hecho|paso|pasa|se hizo|hay|sabe[s]?|se sabe|novedades?|acciones|"
    r"medidas|hace|hacen|realizo|realizaron|se realizo|logro|logros|tal)\b|\ben (que|q) consist\w*\b|"
    r"\bde que (se )?trat\w*\b|\bsobre que trat\w*\b|\bque tiene que ver\b|\blo del? \w+ .*\bque fue\b|"
    r"\bcuent\w+\b|\bhabl\w+ (de|sobre)\b|\binforma\w*\b|\bresum\w*\b|\bdetalles?\b|\bexplic\w+\b|"
    r"\b(que|q) (es|son|fue) (lo de|eso de|la|el|los|las)\b|\bque tal\b"
)

# A question asking for yes or no starts with a verb or an assertion, not a question word.
_WH = re.compile(
    r"\b(que|q|cual|cuales|cuant[oa]s?|quien(es)?|donde|cuando|por ?que|xq|para que|a quien|de donde)\b"
    r"|^(y )?como\b|\bcomo (se|fue|es|era|son|eran|hizo|hicieron|puedo|puede|funciona|va|van|esta|estan|le|lo|la|"
    r"les|quedo|termino|ayudo|ayudaron)\b"
)
_YESNO_LEAD = re.compile(
    r"^(y )?(es (verdad|cierto)|sera cierto|verdad que|acaso|entonces|o sea|osea|me (dijeron|contaron)|"
    r"escuche|lei|dicen|he oido)\b"
)

_MONEY = re.compile(
    r"\b(cuesta|cuestan|costo|costaron|costo|gasto|gastaron|gastos|precio|monto|presupuesto|dinero|plata|soles|"
    r"dolares|pagaron|pago|valen|vale|valor|invirtieron|inversion|financi\w*)\b"
)
_OTHERS = re.compile(
    r"\b(donde|quien\w*|cual\w*|cuant\w*) mas\b|\b(otr[oa]s|demas) (paises|lugares|regiones|reuniones|temas|"
    r"cosas|acuerdos)\b|\bmas (paises|lugares|regiones)\b"
)
_DEMONSTRATIVE = re.compile(
    r"\b(ese|esa|esos|esas|este|esta|estos|estas|aquel|aquella) [a-z]{4,}|\b(ahi|alli|alla|eso)\b"
)

TOTAL = re.compile(
    r"\b(en total|total|sumando|sumados|en conjunto|entre (los dos|ambos|todos)|por todo|todos juntos)\b"
)

# A follow-up that leans on the previous answer: "¿y ...?", "ahí", "eso", "ellos".
_FOLLOWUP = re.compile(
    r"^(y|e|ya pero|pero|ok y|ah y|ahh y|y entonces|y ademas|ademas|tambien)\b|\b(ahi|alli|alla|eso|esos|esas|"
    r"ellos|ellas|ese|esa|aquel|aquella|los|las|lo|la misma|el mismo)\b\W*$|\b(lo|los|las|la) (trajeron|mandaron|"
    r"enviaron|firmaron|hicieron|recibio|recibieron|entregaron|organizaron|visito|visitaron)\b"
)

_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
]

_NUMBER_WORDS = {
    "un": 1,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "veinte": 20,
    "treinta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
    "setenta": 70,
    "ochenta": 80,
    "noventa": 90,
    "cien": 100,
    "ciento": 100,
    "doscientos": 200,
    "trescientos": 300,
    "cuatrocientos": 400,
    "quinientos": 500,
    "mil": 1000,
}

# Numbers that are part of a name, a date or a period, not a quantity being asserted.
_NOT_A_QUANTITY = re.compile(
    r"\b(19|20)\d\d\b|\b(100|cien) dias\b|\b\d+(\.|º|°|ª)?(a)? (sesion|plenaria)\b"
    r"|\bnota de prensa \d+( ?- ?\d+)?|\b\d+ ?- ?26\b|"
    r"\b\d{1,2} de (" + "|".join(_MONTHS) + r")\b|\b2025.2026\b|\bhace \w+ (anos|meses|dias|semanas)\b|"
    r"\b\d+ (anos|meses|semanas|horas|minutos)\b"
)

# Words that never carry the subject of a question (articles, question words, fillers).
STOPWORDS: FrozenSet[str] = frozenset(
    """a al algo alguien alla alli ante aqui asi aun cabe como con contra cual cuales cuando cuanta cuantas cuanto
    cuantos de del desde donde dos e el ella ellas ello ellos en entre era eran es esa esas ese eso esos esta estaba
    estan estas este esto estos fue fueron ha han hay hasta la las le les lo los mas me mi mis muy nada ni no nos o
    otra otro para pero por porque q que quien quienes se sea segun ser si sin sobre son su sus tambien te tiene
    tienen todo todos tu un una uno unos unas usted ustedes y ya yo oe ok okay pues bueno hola buenas buenos dias
    tardes noches porfa porfavor favor xfa gracias entonces verdad cierto dime digame diga quisiera queria quiero
    saber podria puede puedes me nos decir informacion info pregunta consulta tb tmb tambn xq pq k ke tal vez
    acaso hizo hicieron hecho paso pasa cosa cosas eso esto alguna algun otra vez fue sido han habia hubo
    podria podrian indicarme indiqueme decirme digame informarme expliqueme explicarme contarme cuenteme
    dentro fuera durante mientras cada ahi alli alla aca aqui quienrel exactamente aproximadamente
    mas menos""".split()
)


@dataclass
class Question:
    """One question of a citizen's message, as far as its words tell."""

    text: str
    folded: str
    kind: str  # a key of ACCEPTS, "yesno", "which" (qué/cuál with no clearer type) or "broad"
    total: bool = False  # "en total", "entre ambos": add up the quantities
    followup: bool = False  # leans on the previous answer ("¿y de dónde los trajeron?")
    numbers: List[float] = field(default_factory=list)  # quantities the question asserts ("500 peruanos")
    months: List[str] = field(default_factory=list)
    detail: Optional[str] = None  # the noun after the question word: "aerolínea" in "¿en qué aerolínea…?"
    money: bool = False  # asks what something cost ("¿cuánto gastó el Estado?")
    years: List[int] = field(default_factory=list)  # years the question mentions ("el plan 2024-2025")
    demonstrative: bool = False  # "esas reuniones", "ese programa": about what was just said
    others: bool = False  # "¿y de dónde más?", "¿y con los otros países?": not what was just said
    future: bool = False  # "las próximas elecciones": the note tells of none

    @property
    def accepts(self) -> Tuple[str, ...]:
        if self.kind in ("yesno", "broad", "which") and self.months:
            return ("date",)
        return ACCEPTS.get(self.kind, ())


def tokens(text: str) -> List[str]:
    """Folded words of `text`, punctuation removed."""
    return re.findall(r"[a-zñ0-9]+", fold(text).replace("ñ", "n"))


def content_words(text: str) -> List[str]:
    """The words of `text` that can name a subject (no question words, articles, fillers)."""
    return [t for t in tokens(text) if t not in STOPWORDS and (len(t) > 2 or t.isdigit())]


_SHORTHAND = [
    (r"\b(q|k|ke|qe)\b", "que"),
    (r"\b(xq|pq|porq|xk|porke|porque)\b", "por que"),
    (r"\bpa\b", "para"),
    (r"\b(tb|tmb|tbn|tambn)\b", "tambien"),
    (r"\bx\b", "por"),
    (r"\b(xfa|porfa|pls|plis)\b", "por favor"),
    (r"\bd\b", "de"),
    (r"\bq(ui)?en(es)?\b", "quien"),
    (r"\bcuantoss?\b", "cuantos"),
]


def _normalised(text: str) -> str:
    """Folded words with WhatsApp shorthand written out ("q" -> "que", "xq" -> "por que",
    "tb" -> "tambien", "x" -> "por") and stretched letters shortened."""
    folded = " ".join(tokens(text))
    folded = re.sub(r"(.)\1{2,}", r"\1", folded)
    for pattern, replacement in _SHORTHAND:
        folded = re.sub(pattern, replacement, folded)
    return folded


def numbers_in(text: str) -> List[float]:
    """Quantities asserted in `text` ("500 peruanos", "quinientos", "2.5 toneladas"), not years,
    dates or names ("100 días", "2025–2026", "63.ª sesión")."""
    folded = fold(text)
    cleaned = _NOT_A_QUANTITY.sub(" ", folded)
    found: List[float] = []
    for match in re.finditer(r"(?<![\w.])(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)(?![\w])", cleaned):
        raw = match.group(1)
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
            value = float(raw.replace(".", "").replace(",", ""))
        else:
            value = float(raw.replace(",", "."))
        found.append(value)
    words = tokens(cleaned)
    for index, word in enumerate(words):
        if word in _NUMBER_WORDS and word not in ("un", "una", "uno"):
            value = _NUMBER_WORDS[word]
            # "ciento veinte", "doscientos cincuenta": add the next number word.
            if index + 1 < len(words) and words[index + 1] in _NUMBER_WORDS and value >= 100:
                continue
            if index > 0 and words[index - 1] in _NUMBER_WORDS and _NUMBER_WORDS[words[index - 1]] >= 100:
                value += _NUMBER_WORDS[words[index - 1]]
            found.append(float(value))
    return found


def _detail(folded: str) -> Optional[str]:
    """The noun a "qué/cuál/cuánto X" question asks about ("aerolínea", "hotel")."""
    match = re.search(r"\b(?:en |con |de |a |por )?(?:que|cual|cuales|q|cuant[oa]s?)\s+([a-zn]{4,})\b", folded)
    if not match:
        return None
    word = match.group(1)
    if word.endswith("mente"):
        return None
    verbs = re.compile(r"(aron|ieron|eron|aba|aban|ia|ian|o|io|ado|ido|ar|er|ir)$")
    if word in STOPWORDS or (verbs.search(word) and word not in _DETAIL_NOUNS):
        return None
    return word


# Nouns a citizen asks about that end like verbs ("dia", "mes") are still nouns.
_DETAIL_NOUNS = frozenset(
    "dia mes ano hora aerolinea avion vuelo hotel costo precio presupuesto dinero nombre edicion sesion pais paises "
    "ciudad lugar region regiones documento documentos acuerdo acuerdos tema temas persona personas ministro "
    "ministerio organismo institucion entidad cargo fecha barco bus medio transporte tipo clase monto valor gasto "
    "hotel tropas militares sitio sitios link enlace url pagina telefono correo direccion requisitos resultado "
    "resultados contenido medidas compromisos representante presidente presidentes embajador funcionario "
    "funcionarios autoridad autoridades integrantes miembros duracion tiempo periodo plazo mandato hora horario "
    "asistentes participantes personas ciudad ciudades comida medicinas alimentos vuelos costo tiempo".split()
)


_VERB = re.compile(r"\b\w+(aron|ieron|eron|o|io|ia|aba|aban|ara|iera|ado|ido)\b")


def _is_topic_words(text: str) -> bool:
    """A few words naming a topic, no verb and no question: "repatriaciones", "IPCC"."""
    words = content_words(text)
    folded = " ".join(tokens(text))
    if any(re.search(r"(aron|ieron|eron|aba|aban|ian)$", w) for w in words):
        return False  # "¿reafirmaron algo?" is a question, not a topic
    return (
        0 < len(words) <= 4
        and not numbers_in(text)
        and not any(m in folded for m in _MONTHS)
        and not re.search(
            r"\b(visito|fue|fueron|hubo|firmaron|trajeron|mandaron|enviaron|incluye|participo|es|son|era|eran|esta|"
            r"estuvo|estaban|seran|sera|hay)\b",
            folded,
        )
    )


def analyse(text: str) -> Question:
    """The type and the assertions of one question."""
    # A relative "que" ("los que votan afuera") asks nothing.
    folded = re.sub(r"\b(los|las|lo|aquellos|aquellas|todos los|todas las) que\b", r"\1 quienrel", _normalised(text))
    kind = None
    for name, pattern in _TYPE_PATTERNS:
        if re.search(pattern, folded):
            kind = name
            break
    if kind is None:
        asks = "?" in text or "¿" in text
        if (
            not _WH.search(folded)
            and not _YESNO_LEAD.search(folded)
            and _is_topic_words(text)
            and not (asks and len(content_words(text)) >= 3)
        ):
            kind = "broad"  # "repatriaciones", "lo de chancay", "asilo diplomático"
        elif _YESNO_LEAD.search(folded) or not _WH.search(folded):
            kind = "yesno" if not _BROAD.search(folded) else "broad"
        elif _BROAD.search(folded):
            kind = "broad"
        else:
            kind = "which"
    if kind == "who" and _BROAD.search(folded) and not re.search(r"\bquien(es)?\b", folded):
        kind = "broad"
    months = [m for m in _MONTHS if re.search(rf"\b{m}\b", folded)]
    if months and kind not in ("yesno", "date", "broad", "which"):
        months = []  # "¿quién iba a observar las elecciones de abril?" asserts no date
    return Question(
        text=text.strip(),
        folded=folded,
        kind=kind,
        total=bool(TOTAL.search(folded)),
        followup=bool(_FOLLOWUP.search(folded)) or len(content_words(text)) <= 1,
        numbers=numbers_in(text),
        months=months,
        detail=_detail(folded),
        money=bool(_MONEY.search(folded)),
        years=[int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", folded)],
        demonstrative=bool(_DEMONSTRATIVE.search(folded)),
        others=bool(_OTHERS.search(folded)),
        future=bool(re.search(r"\b(proxim[oa]s?|siguientes?|futur[oa]s?|venider[oa]s?)\b", folded)),
    )


# --- several questions in one message ----------------------------------------------

_QUESTION_START = re.compile(
    r"^(y |e |ademas |tambien |otra cosa |otra pregunta |y ademas |y tambien )?"
    r"((de|a|en|con|para|por|desde|hasta) )?"
    r"(que|q|cual|cuales|cuant[oa]s?|quien(es)?|donde|cuando|como|por ?que|xq|"
    r"es (verdad|cierto)|hubo|fue|visito|firmaron|se firmo)\b"
)


def split(text: str, limit: int = 3, is_subject: Optional[Callable[[str], bool]] = None) -> List[str]:
    """The questions of one message, in order: "¿Cuántos volvieron de Jamaica? ¿Y de Bolivia?"
    gives two; "cuantos volvieron de jamaica y que ayuda mandaron" gives two as well. A single
    question (or a statement with one question) comes back whole. At most `limit` parts:
    the rest stays with the last one. `is_subject` tells whether words name something the
    facts are about, so that "¿qué se hizo con Ecuador y con Chile?" splits too."""
    text = (text or "").strip()
    if not text:
        return []
    # Question marks and line breaks end a question; "¿" starts one. A piece that ended
    # with a question mark keeps it (it marks a yes/no question).
    pieces = []
    for match in re.finditer(r"([^?¿\n;]+)(\?*)", text):
        piece = match.group(1).strip(" ,;.")
        if piece and tokens(piece):
            pieces.append(piece + ("?" if match.group(2) else ""))
    parts: List[str] = []
    for piece in pieces:
        parts.extend(_split_on_conjunction(piece, is_subject))
    # A piece with no question of its own ("hola", "mi tío vive en Italia") joins the next one.
    merged: List[str] = []
    carry = ""
    for part in parts:
        candidate = f"{carry} {part}".strip() if carry else part
        elliptical = bool(merged) and re.match(r"^(y|e|ademas|tambien|y tambien)\b", _normalised(part))
        if _is_question(part) or elliptical or not merged and part is parts[-1]:
            merged.append(candidate)
            carry = ""
        else:
            carry = candidate
    if carry:
        if merged:
            merged[-1] = f"{merged[-1]} {carry}"
        else:
            merged.append(carry)
    if len(merged) > limit:
        merged = merged[: limit - 1] + [" ".join(merged[limit - 1 :])]
    return merged or [text]


def _is_question(part: str) -> bool:
    folded = _normalised(part)
    return bool(
        _WH.search(folded)
        or _YESNO_LEAD.search(folded)
        or re.search(
            r"\b(visito|fue|firmaron|hubo|trajeron|mandaron|es cierto|verdad|incluye|participo"
            r"|eligieron|reeligieron)\b",
            folded,
        )
    )


_ELLIPTICAL = re.compile(r"^(con|en|de|desde|a|al|para|sobre|lo de|lo del|la|el|los|las|del)? ?(.*)$")


def _split_on_conjunction(piece: str, is_subject: Optional[Callable[[str], bool]] = None) -> List[str]:
    """ "cuantos volvieron de jamaica y que ayuda mandaron" -> two questions, at " y " (or ", ")
    followed by a question word, or by another subject after a question ("qué se hizo con
    Ecuador y con Chile"); "Alemania, Países Bajos y Canadá" is not split."""
    words = piece.split()
    cuts = [0]
    asks = bool(
        _WH.search(_normalised(piece))
        or _BROAD.search(_normalised(piece))
        or re.search(
            r"\b(quiero saber|quisiera saber|informacion|info|dime|digame|cuenteme|cuentame|hablame)\b",
            _normalised(piece),
        )
    )
    for index in range(1, len(words)):
        joiner = fold(words[index - 1]).rstrip(",")
        rest = " ".join(words[index:])
        if fold(words[index - 1]) in ("y", "e", "ademas", "tambien", "o") or words[index - 1].endswith(","):
            if index - 1 <= cuts[-1] + 1:
                continue
            starts_question = bool(_QUESTION_START.match(_normalised(rest)))
            names_subject = False
            if not starts_question and asks and is_subject is not None and joiner in ("y", "e"):
                tail = _ELLIPTICAL.match(_normalised(rest)).group(2)
                before = " ".join(words[cuts[-1] : index - 1])
                names_subject = is_subject(" ".join(tail.split()[:4])) and is_subject(before)
            if starts_question or names_subject:
                cuts.append(index - 1 if joiner in ("y", "e", "ademas", "tambien", "o") else index)
    parts = []
    for start, end in zip(cuts, cuts[1:] + [len(words)]):
        part = " ".join(words[start:end]).strip(" ,")
        if part:
            parts.append(part)
    if len(parts) > 1 and piece.endswith("?"):
        parts = [p.rstrip("?") + "?" for p in parts]
    return parts

"""Choosing the facts that answer a question, and writing the cited answer.

Pure functions over objects read from the store: no Rasa, no database, easy to test.
An answer is the facts' texts, the time note of any dated event (never announcing as
upcoming what is already past), and the citation of every source used.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence
from zoneinfo import ZoneInfo

from babel.dates import format_date

import settings
from actions.countries import fold
from actions.store import Claim, ConsularOffice, Fact, Source


def today() -> dt.date:
    """Today's date in Lima."""
    return dt.datetime.now(ZoneInfo(settings.TIMEZONE)).date()


def spanish_date(date: dt.date, precision: str = "day") -> str:
    """'18 de enero de 2026', 'abril de 2026' or '2026'."""
    if precision == "year":
        return str(date.year)
    pattern = "MMMM 'de' y" if precision == "month" else "d 'de' MMMM 'de' y"
    return format_date(date, pattern, locale="es")


def event_end(fact: Fact) -> Optional[dt.date]:
    """Last day of the fact's event period (the event is past once this day is over)."""
    start = fact.event_date
    if start is None:
        return None
    if fact.event_precision == "year":
        return dt.date(start.year, 12, 31)
    if fact.event_precision == "month":
        next_month = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return next_month - dt.timedelta(days=1)
    return start


def event_note(fact: Fact, on: dt.date) -> Optional[str]:
    """The sentence about the fact's event that is true on `on`: upcoming or past."""
    end = event_end(fact)
    if end is None:
        return None
    template = fact.event_upcoming if on <= end else fact.event_past
    if not template:
        return None
    return template.replace("{fecha}", spanish_date(fact.event_date, fact.event_precision or "day"))


def citation(sources: Iterable[Source]) -> str:
    """'Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026.'"""
    unique: List[Source] = []
    for source in sources:
        if source.key not in {s.key for s in unique}:
            unique.append(source)
    parts = [f"{s.title}, {s.issuer}, {spanish_date(s.published_on)}" for s in unique]
    if not parts:
        return ""
    return ("Fuente: " if len(parts) == 1 else "Fuentes: ") + "; ".join(parts) + "."


def claim_sentence(fact: Fact, claim: Claim, on: Optional[dt.date] = None) -> str:
    """What a claim says to a citizen on `on`: its sentence, or, for the claim of a dated
    event, the event's sentence that is true that day (upcoming or past)."""
    if claim.dated:
        return event_note(fact, on or today()) or claim.value
    return claim.sentence or claim.value


def render(facts: Sequence[Fact], on: Optional[dt.date] = None, intro: Optional[str] = None) -> str:
    """The answer text for `facts`: one paragraph each, then the citation."""
    on = on or today()
    paragraphs = [intro] if intro else []
    for fact in facts:
        note = event_note(fact, on)
        paragraphs.append(f"{fact.answer} {note}" if note else fact.answer)
    paragraphs.append(citation(f.source for f in facts))
    return "\n\n".join(p for p in paragraphs if p)


def render_offices(offices: Sequence[ConsularOffice]) -> str:
    """Contact details of consular offices, exactly as stored, with their sources."""
    blocks = []
    for office in offices:
        lines = [f"{office.name} ({office.city}, {office.country})"]
        if office.address:
            lines.append(f"Dirección: {office.address}")
        if office.phones:
            lines.append("Teléfono: " + ", ".join(office.phones))
        if office.email:
            lines.append(f"Correo: {office.email}")
        if office.hours:
            lines.append(f"Horario: {office.hours}")
        if office.url:
            lines.append(f"Web: {office.url}")
        blocks.append("\n".join(lines))
    blocks.append(citation(o.source for o in offices))
    return "\n\n".join(blocks)


def mentions(text: str, keyword: str) -> bool:
    """Whether folded `keyword` occurs in `text` as whole words, ignoring case and accents."""
    return re.search(r"(?<!\w)" + re.escape(fold(keyword)) + r"(?!\w)", fold(text or "")) is not None


@dataclass
class Selection:
    """The facts chosen for a question, and whether the country asked about is missing."""

    facts: List[Fact] = field(default_factory=list)
    # Set when the citizen named a country the topic has no facts about;
    # `countries_available` are the ones it does have facts about.
    missing_country: Optional[str] = None
    countries_available: List[str] = field(default_factory=list)


def _narrow_by_keywords(facts: List[Fact], text: str) -> List[Fact]:
    matching = [f for f in facts if any(mentions(text, k) for k in f.keywords)]
    return matching if matching else facts


def select(facts: Sequence[Fact], country: Optional[str] = None, text: str = "", explicit: bool = True) -> Selection:
    """Choose among one topic's `facts` for a question about `country` worded as `text`.

    In a topic with country-specific facts, a country narrows to the facts about
    it. When there are none, a country the
    citizen named (`explicit`) is reported missing and only the topic's general
    facts remain; a country merely carried over from earlier turns is ignored.
    Then, if the question's words match some facts' keywords, only those are kept.
    """
    facts = list(facts)
    # Topics with no country-specific facts (e.g. voting abroad) apply everywhere.
    if country and any(f.countries for f in facts):
        about = [f for f in facts if country in f.countries]
        if about:
            return Selection(facts=_narrow_by_keywords(about, text))
        if explicit:
            general = [f for f in facts if not f.countries]
            return Selection(
                facts=_narrow_by_keywords(general, text) if general else [],
                missing_country=country,
                countries_available=sorted({c for f in facts for c in f.countries}),
            )
    return Selection(facts=_narrow_by_keywords(facts, text))

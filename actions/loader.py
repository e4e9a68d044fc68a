"""Validate the reviewed seed YAML under data/facts/ and load it into the facts store.

Each file may hold `sources:`, `facts:` and `offices:` lists; keys are unique across
all files and a fact or office must name a source that exists. Any problem stops the
load before the database is touched, with the file and entry it was found in.
Loading is an idempotent upsert by key; `prune=True` also removes rows whose keys are
no longer in the files (the files are the reviewed source of truth).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml
from pydantic import BaseModel, Extra, ValidationError, root_validator, validator
from sqlalchemy import select

from actions import countries as country_names
from actions.attributes import ATTRIBUTES
from actions.countries import fold
from actions.store import Claim, ConsularOffice, Fact, FactStore, Source, _now
from actions.topics import FACT_TOPICS

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,99}$")
EVENT_DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
# Answers must stay true after their date: anything upcoming belongs in `event`.
FUTURE_WORDING = re.compile(
    r"\b(pr[oó]xim[oa]s?|permitir[aá]n?|se realizar[aá]n?|se llevar[aá]n? a cabo|ser[aá]n?)\b",
    re.IGNORECASE,
)
MAX_ANSWER_CHARS = 1200
MAX_SENTENCE_CHARS = 400


class LoaderError(Exception):
    """The seed data is invalid; `problems` lists each one with file and entry."""

    def __init__(self, problems: List[str]) -> None:
        self.problems = problems
        super().__init__("Datos de hechos inválidos:\n" + "\n".join(f"- {p}" for p in problems))


def _key(value: str) -> str:
    value = str(value).strip()
    if not KEY_PATTERN.match(value):
        raise ValueError("debe usar minúsculas, dígitos, '.', '_' o '-' (2 a 100 caracteres)")
    return value


def _text(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    value = " ".join(str(value).split())
    if not value:
        raise ValueError("no puede estar vacío")
    return value


class _Entry(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


class SourceEntry(_Entry):
    key: str
    title: str
    issuer: str
    published_on: dt.date
    url: Optional[str] = None
    headline: Optional[str] = None

    _check_key = validator("key", allow_reuse=True)(_key)
    _check_text = validator("title", "issuer", "headline", allow_reuse=True)(_text)

    @validator("url")
    def _url(cls, value: Optional[str]) -> Optional[str]:
        if value and not re.match(r"^https://\S+$", value):
            raise ValueError("debe ser una dirección https://")
        return value

    @classmethod
    def from_row(cls, source: Source) -> "SourceEntry":
        return cls(
            key=source.key,
            title=source.title,
            issuer=source.issuer,
            published_on=source.published_on,
            url=source.url,
            headline=source.headline,
        )


class EventEntry(_Entry):
    date: str
    upcoming: str
    past: str

    @validator("date", pre=True)
    def _date(cls, value: Any) -> str:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        if not EVENT_DATE_PATTERN.match(text):
            raise ValueError("use AAAA, AAAA-MM o AAAA-MM-DD")
        parse_event_date(text)  # raises ValueError on an impossible date
        return text

    _check_text = validator("upcoming", "past", allow_reuse=True)(_text)


def _no_future_wording(value: str) -> str:
    future = FUTURE_WORDING.search(value)
    if future:
        raise ValueError(
            f"usa una expresión de futuro («{future.group(0)}») que dejará de ser cierta; "
            "ponga lo que estaba por venir en `event`"
        )
    return value


class QuantityEntry(_Entry):
    amount: float
    unit: str
    measure: Optional[str] = None
    qualifier: Optional[str] = None

    _check_text = validator("unit", "measure", "qualifier", allow_reuse=True)(_text)


class ClaimEntry(_Entry):
    """One atomic statement of a fact (see data/facts/README.md)."""

    attribute: str
    value: str
    sentence: Optional[str] = None
    terms: List[str] = []
    quantity: Optional[QuantityEntry] = None
    items: List[str] = []
    dated: bool = False

    _check_text = validator("value", allow_reuse=True)(_text)

    @validator("attribute")
    def _attribute(cls, value: str) -> str:
        if value not in ATTRIBUTES:
            raise ValueError(f"atributo desconocido; use uno de: {', '.join(sorted(ATTRIBUTES))}")
        return value

    @validator("sentence")
    def _sentence(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        value = _text(value) or ""
        if len(value) > MAX_SENTENCE_CHARS:
            raise ValueError(f"tiene {len(value)} caracteres; el máximo es {MAX_SENTENCE_CHARS}")
        return _no_future_wording(value)

    @validator("terms", each_item=True)
    def _term(cls, value: str) -> str:
        folded = fold(value)
        if not folded:
            raise ValueError("término vacío")
        return folded

    @validator("items", each_item=True)
    def _item(cls, value: str) -> str:
        return _text(value) or ""

    @root_validator(skip_on_failure=True)
    def _says_its_value(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if values["dated"]:
            if values["sentence"]:
                raise ValueError(
                    "una afirmación con `dated: true` se dice con las frases del `event` del hecho; quite `sentence`"
                )
            return values
        if not values["sentence"]:
            raise ValueError("falta `sentence`, la frase que responde")
        sentence = fold(values["sentence"])
        if fold(values["value"]) not in sentence:
            raise ValueError(f"la frase no dice el valor «{values['value']}»")
        missing = [item for item in values["items"] if fold(item) not in sentence]
        if missing:
            raise ValueError(f"la frase no menciona: {', '.join(missing)}")
        quantity = values["quantity"]
        if quantity is not None and values["items"] and quantity.amount != len(values["items"]):
            raise ValueError(
                f"`quantity.amount` es {quantity.amount:g} pero la lista tiene {len(values['items'])} elementos"
            )
        if values["attribute"] == "quantity" and quantity is None:
            raise ValueError("un atributo «quantity» necesita `quantity` (amount, unit)")
        return values


class FactEntry(_Entry):
    key: str
    topic: str
    source: str
    answer: str
    subject: Optional[str] = None
    countries: List[str] = []
    keywords: List[str] = []
    event: Optional[EventEntry] = None
    claims: List[ClaimEntry] = []

    _check_key = validator("key", "source", allow_reuse=True)(_key)
    _check_subject = validator("subject", allow_reuse=True)(_text)

    @validator("topic")
    def _topic(cls, value: str) -> str:
        if value not in FACT_TOPICS:
            raise ValueError(f"tema desconocido; use uno de: {', '.join(sorted(FACT_TOPICS))}")
        return value

    @validator("answer")
    def _answer(cls, value: str) -> str:
        value = _text(value) or ""
        if len(value) > MAX_ANSWER_CHARS:
            raise ValueError(f"tiene {len(value)} caracteres; el máximo es {MAX_ANSWER_CHARS}")
        return _no_future_wording(value)

    @validator("countries", each_item=True)
    def _country(cls, value: str) -> str:
        name = country_names.canonical(value)
        if name != value:
            hint = f" (¿quiso decir «{name}»?)" if name else ""
            raise ValueError(f"«{value}» no es un nombre de país canónico de data/nlu/countries.yml{hint}")
        return value

    @validator("keywords", each_item=True)
    def _keyword(cls, value: str) -> str:
        folded = fold(value)
        if not folded:
            raise ValueError("palabra clave vacía")
        return folded

    @root_validator(skip_on_failure=True)
    def _dated_claims_need_an_event(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if values.get("event") is None and any(c.dated for c in values.get("claims", [])):
            raise ValueError("una afirmación con `dated: true` necesita el `event` del hecho")
        return values

    def row_values(self, source_id: int, position: int) -> Dict[str, Any]:
        """The columns of the stored Fact (claims and countries apart)."""
        event_date = precision = None
        if self.event:
            event_date, precision = parse_event_date(self.event.date)
        return {
            "topic": self.topic,
            "subject": self.subject,
            "answer": self.answer,
            "keywords": list(self.keywords),
            "event_date": event_date,
            "event_precision": precision,
            "event_upcoming": self.event.upcoming if self.event else None,
            "event_past": self.event.past if self.event else None,
            "position": position,
            "source_id": source_id,
        }

    def claim_rows(self) -> List[Dict[str, Any]]:
        rows = []
        for position, claim in enumerate(self.claims):
            quantity = claim.quantity
            rows.append(
                {
                    "position": position,
                    "attribute": claim.attribute,
                    "value": claim.value,
                    "sentence": claim.sentence,
                    "terms": list(claim.terms),
                    "items": list(claim.items),
                    "dated": int(claim.dated),
                    "amount": quantity.amount if quantity else None,
                    "unit": quantity.unit if quantity else None,
                    "measure": quantity.measure if quantity else None,
                    "qualifier": quantity.qualifier if quantity else None,
                }
            )
        return rows

    @classmethod
    def from_row(cls, fact: Fact) -> "FactEntry":
        """The file entry of a stored fact (`python -m actions.cli export`)."""
        event = None
        if fact.event_date:
            date = fact.event_date
            text = {"year": f"{date:%Y}", "month": f"{date:%Y-%m}"}.get(fact.event_precision or "", date.isoformat())
            event = EventEntry(date=text, upcoming=fact.event_upcoming, past=fact.event_past)
        claims = [
            ClaimEntry(
                attribute=c.attribute,
                value=c.value,
                sentence=c.sentence,
                terms=list(c.terms or ()),
                items=list(c.items or ()),
                dated=bool(c.dated),
                quantity=QuantityEntry(amount=c.amount, unit=c.unit, measure=c.measure, qualifier=c.qualifier)
                if c.amount is not None
                else None,
            )
            for c in fact.claims
        ]
        return cls(
            key=fact.key,
            topic=fact.topic,
            source=fact.source.key,
            answer=fact.answer,
            subject=fact.subject,
            countries=list(fact.countries),
            keywords=list(fact.keywords or ()),
            event=event,
            claims=claims,
        )


class OfficeEntry(_Entry):
    key: str
    country: str
    city: str
    name: str
    source: str
    address: Optional[str] = None
    phones: List[str] = []
    email: Optional[str] = None
    hours: Optional[str] = None
    url: Optional[str] = None

    _check_key = validator("key", "source", allow_reuse=True)(_key)
    _check_text = validator("city", "name", "address", "hours", allow_reuse=True)(_text)

    @validator("country")
    def _country(cls, value: str) -> str:
        if country_names.canonical(value) != value:
            raise ValueError(f"«{value}» no es un nombre de país canónico de data/nlu/countries.yml")
        return value

    @root_validator(skip_on_failure=True)
    def _has_contact(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if not (values.get("address") or values.get("phones") or values.get("email") or values.get("url")):
            raise ValueError("una oficina necesita al menos dirección, teléfono, correo o web")
        return values

    @classmethod
    def from_row(cls, office: ConsularOffice) -> "OfficeEntry":
        fields = ("key", "country", "city", "name", "address", "phones", "email", "hours", "url")
        return cls(source=office.source.key, **{name: getattr(office, name) for name in fields})


class FactsFile(_Entry):
    sources: List[SourceEntry] = []
    facts: List[FactEntry] = []
    offices: List[OfficeEntry] = []

    @validator("sources", "facts", "offices", pre=True)
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


def parse_event_date(text: str) -> Tuple[dt.date, str]:
    """'2026-04' -> (date(2026, 4, 1), 'month'); precision is year, month or day."""
    match = EVENT_DATE_PATTERN.match(text)
    if not match:
        raise ValueError(f"fecha de evento inválida: {text!r}")
    year, month, day = match.groups()
    precision = "day" if day else "month" if month else "year"
    return dt.date(int(year), int(month or 1), int(day or 1)), precision


@dataclass
class Catalog:
    """Everything read from the seed files, validated, in reading order."""

    sources: List[SourceEntry] = field(default_factory=list)
    facts: List[FactEntry] = field(default_factory=list)
    offices: List[OfficeEntry] = field(default_factory=list)


def _describe(location: Tuple[Any, ...], raw: Dict[str, Any]) -> str:
    """'facts[3] (repatriation.bolivia): countries.0' for a pydantic error location."""
    if not location:
        return "archivo"
    section, rest = location[0], location[1:]
    if rest and isinstance(rest[0], int):
        index, rest = rest[0], rest[1:]
        try:
            entry_key = raw[section][index].get("key")
        except (KeyError, IndexError, TypeError, AttributeError):
            entry_key = None
        where = f"{section}[{index}]" + (f" ({entry_key})" if entry_key else "")
    else:
        where = str(section)
    if rest:
        where += ": " + ".".join(str(part) for part in rest)
    return where


def read_file(path: Path) -> FactsFile:
    """Parse and validate one YAML file; LoaderError names the file and the entries."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise LoaderError([f"{path}: no es texto UTF-8"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (línea {mark.line + 1}, columna {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise LoaderError([f"{path}{where}: YAML inválido: {problem}"]) from None
    if raw is None:
        return FactsFile()
    if not isinstance(raw, dict):
        raise LoaderError([f"{path}: se esperaba un mapa con 'sources', 'facts' y/u 'offices'"])
    try:
        return FactsFile.parse_obj(raw)
    except ValidationError as error:
        raise LoaderError([f"{path}: {_describe(e['loc'], raw)}: {e['msg']}" for e in error.errors()]) from None


def read_dir(directory: Path) -> Catalog:
    """Read every *.yml/*.yaml file of `directory` (sorted) and check cross references."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LoaderError([f"{directory}: no existe la carpeta de hechos"])
    problems: List[str] = []
    catalog = Catalog()
    seen: Dict[Tuple[str, str], Path] = {}
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    parsed: List[Tuple[Path, FactsFile]] = []
    for path in files:
        try:
            parsed.append((path, read_file(path)))
        except LoaderError as error:
            problems.extend(error.problems)
    for path, content in parsed:
        for kind, entries in (("sources", content.sources), ("facts", content.facts), ("offices", content.offices)):
            for index, entry in enumerate(entries):
                if (kind, entry.key) in seen:
                    problems.append(
                        f"{path}: {kind}[{index}] ({entry.key}): clave repetida (ya está en {seen[(kind, entry.key)]})"
                    )
                seen[(kind, entry.key)] = path
        catalog.sources.extend(content.sources)
        catalog.facts.extend(content.facts)
        catalog.offices.extend(content.offices)
    source_keys = {s.key for s in catalog.sources}
    for path, content in parsed:
        for kind, entries in (("facts", content.facts), ("offices", content.offices)):
            for index, entry in enumerate(entries):
                if entry.source not in source_keys:
                    problems.append(f"{path}: {kind}[{index}] ({entry.key}): la fuente «{entry.source}» no existe")
    if problems:
        raise LoaderError(problems)
    return catalog


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def count(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    def __str__(self) -> str:
        return (
            f"{self.created} creados, {self.updated} actualizados, "
            f"{self.unchanged} sin cambios, {self.deleted} eliminados"
        )


def _apply(row: Any, values: Dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _upsert(session: Any, model: Any, key: str, values: Dict[str, Any]) -> Tuple[Any, str]:
    """Insert or update the row with `key`; returns it and 'created', 'updated' or 'unchanged'."""
    row = session.execute(select(model).where(model.key == key)).unique().scalar_one_or_none()
    if row is None:
        row = model(key=key, **values)
        session.add(row)
        return row, "created"
    return row, "updated" if _apply(row, values) else "unchanged"


def load(store: FactStore, catalog: Catalog, prune: bool = False) -> LoadReport:
    """Upsert `catalog` into `store` in one transaction."""
    store.create_schema()
    report = LoadReport()
    with store.session() as session, session.begin():
        source_ids: Dict[str, int] = {}
        for entry in catalog.sources:
            row, status = _upsert(session, Source, entry.key, entry.dict(exclude={"key"}))
            report.count(status)
            session.flush()
            source_ids[entry.key] = row.id
        for position, entry in enumerate(catalog.facts):
            row, status = _upsert(session, Fact, entry.key, entry.row_values(source_ids[entry.source], position))
            if list(row.countries) != entry.countries:
                row.countries = entry.countries
                status = "created" if status == "created" else "updated"
            if _claim_rows(row) != entry.claim_rows():
                row.claims = [Claim(**values) for values in entry.claim_rows()]
                status = "created" if status == "created" else "updated"
            if status == "updated":
                row.updated_at = _now()  # also when only its claims or countries changed
            report.count(status)
        for entry in catalog.offices:
            values = entry.dict(exclude={"key", "source"})
            values["source_id"] = source_ids[entry.source]
            report.count(_upsert(session, ConsularOffice, entry.key, values)[1])
        if prune:
            # Facts first: a source still referenced by a fact cannot go.
            report.deleted += _prune(session, Fact, {f.key for f in catalog.facts})
            report.deleted += _prune(session, ConsularOffice, {o.key for o in catalog.offices})
            report.deleted += _prune(session, Source, {s.key for s in catalog.sources})
    return report


_CLAIM_COLUMNS = (
    "position",
    "attribute",
    "value",
    "sentence",
    "terms",
    "items",
    "dated",
    "amount",
    "unit",
    "measure",
    "qualifier",
)


def _claim_rows(fact: Fact) -> List[Dict[str, Any]]:
    return [{name: getattr(claim, name) for name in _CLAIM_COLUMNS} for claim in fact.claims]


def _prune(session: Any, model: Any, keep: Iterable[str]) -> int:
    """Delete the rows whose keys are not in `keep`, through the ORM so that it cascades
    to what belongs to them (a fact's countries and claims)."""
    keep = set(keep)
    stale = [row for row in session.execute(select(model)).unique().scalars() if row.key not in keep]
    for row in stale:
        session.delete(row)
    session.flush()
    return len(stale)


def export(store: FactStore) -> FactsFile:
    """The store's content as one facts file (round-trips through `load`)."""
    return FactsFile(
        sources=[SourceEntry.from_row(s) for s in store.sources()],
        facts=[FactEntry.from_row(f) for f in store.facts()],
        offices=[OfficeEntry.from_row(o) for o in store.offices()],
    )


def load_dir(store: FactStore, directory: Path, prune: bool = False) -> LoadReport:
    return load(store, read_dir(directory), prune=prune)

"""The facts store: official sources, the facts taken from them, their claims, and consular offices.

SQLAlchemy 1.4 in the 2.0 style (`select()`, `Session`, `future=True`). SQLite by
default, PostgreSQL (or any SQLAlchemy database) through FACTS_DB_URL. Every fact and
every office references the source it comes from; the schema does not allow one
without. A fact is split into atomic claims (one attribute each: a quantity, a place,
a list...), which the answering engine (actions/answering.py) picks from.

Reads return the mapped objects themselves, fully loaded and detached from their
session: the ORM classes are the records (there is no separate record class), and
the loader's pydantic entries (actions/loader.py) are only the file format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base, relationship, selectinload

import settings

Base = declarative_base()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Source(Base):
    __tablename__ = "sources"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), unique=True, nullable=False)
    title = Column(String(255), nullable=False)
    issuer = Column(String(255), nullable=False)
    published_on = Column(Date, nullable=False)
    url = Column(String(500))
    headline = Column(Text)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_now, onupdate=_now)


class Fact(Base):
    __tablename__ = "facts"

    id = Column(Integer, primary_key=True)
    key = Column(String(100), unique=True, nullable=False)
    topic = Column(String(64), nullable=False, index=True)
    # How the fact is named to a citizen in "¿Se refiere a …?" ("la repatriación desde Jamaica").
    subject = Column(String(255))
    answer = Column(Text, nullable=False)
    keywords = Column(JSON, nullable=False, default=list)
    # An optional dated event the fact refers to (e.g. the April 2026 elections).
    # event_date is the first day of the period; precision is "year", "month" or "day".
    event_date = Column(Date)
    event_precision = Column(String(5))
    event_upcoming = Column(Text)
    event_past = Column(Text)
    position = Column(Integer, nullable=False, default=0)
    source_id = Column(ForeignKey("sources.id", ondelete="RESTRICT"), nullable=False, index=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_now, onupdate=_now)

    source = relationship(Source, lazy="joined")
    country_links = relationship(
        "FactCountry", cascade="all, delete-orphan", lazy="selectin", order_by="FactCountry.position"
    )
    claims = relationship(
        "Claim", back_populates="fact", cascade="all, delete-orphan", lazy="selectin", order_by="Claim.position"
    )

    def __init__(self, countries: Sequence[str] = (), **fields: object) -> None:
        super().__init__(**fields)
        if countries:
            self.countries = countries

    @property
    def countries(self) -> Tuple[str, ...]:
        return tuple(link.country for link in self.country_links)

    @countries.setter
    def countries(self, names: Sequence[str]) -> None:
        self.country_links = [FactCountry(country=name, position=i) for i, name in enumerate(names)]

    def __repr__(self) -> str:
        return f"Fact({self.key!r})"


class FactCountry(Base):
    __tablename__ = "fact_countries"

    fact_id = Column(ForeignKey("facts.id", ondelete="CASCADE"), primary_key=True)
    country = Column(String(64), primary_key=True, index=True)
    position = Column(Integer, nullable=False, default=0)


class Claim(Base):
    """One atomic statement of a fact: what it answers (`attribute`), its value, the
    sentence that says it to a citizen, and, for numbers and lists, their structure."""

    __tablename__ = "claims"

    id = Column(Integer, primary_key=True)
    fact_id = Column(ForeignKey("facts.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False, default=0)
    attribute = Column(String(32), nullable=False)
    value = Column(Text, nullable=False)
    # The sentence that says it to a citizen; none for a claim of the fact's dated event,
    # which is said with the event's upcoming/past sentence (true on the day it is read).
    sentence = Column(Text)
    # Words (accent-free) a question about this claim may use beyond those of its sentence.
    terms = Column(JSON, nullable=False, default=list)
    # Quantities: amount and unit ("24", "peruanos"), what is counted ("peruanos
    # repatriados": quantities with the same measure add up), and a qualifier ("más de").
    amount = Column(Float)
    unit = Column(String(64))
    measure = Column(String(100))
    qualifier = Column(String(32))
    # Lists: the items ("Tumbes", "Piura"...), counted and checked for membership.
    items = Column(JSON, nullable=False, default=list)
    # The claim states the fact's dated event (its sentence is the event note).
    dated = Column(Integer, nullable=False, default=0)

    fact = relationship(Fact, back_populates="claims")

    def __repr__(self) -> str:
        return f"Claim({self.attribute!r}, {self.value!r})"


class ConsularOffice(Base):
    __tablename__ = "consular_offices"

    id = Column(Integer, primary_key=True)
    key = Column(String(100), unique=True, nullable=False)
    country = Column(String(64), nullable=False, index=True)
    city = Column(String(100), nullable=False)
    name = Column(String(255), nullable=False)
    address = Column(Text)
    phones = Column(JSON, nullable=False, default=list)
    email = Column(String(255))
    hours = Column(Text)
    url = Column(String(500))
    source_id = Column(ForeignKey("sources.id", ondelete="RESTRICT"), nullable=False, index=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_now, onupdate=_now)

    source = relationship(Source, lazy="joined")


def make_engine(url: str) -> Engine:
    """An engine for `url`; creates the directory of a SQLite file if it is missing."""
    parsed = make_url(url)
    kwargs: Dict[str, object] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # The action server answers from worker threads.
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)


def fingerprint(facts: Sequence[Fact]) -> str:
    """A digest of what the facts and their claims say: it changes whenever a load changes
    any of them (the retrieval index is cached under it)."""
    digest = hashlib.sha256()
    for fact in facts:
        parts = [fact.key, fact.topic, fact.subject or "", fact.answer, list(fact.keywords or ()), list(fact.countries)]
        parts += [
            [c.attribute, c.value, c.sentence or "", list(c.terms or ()), list(c.items or ())] for c in fact.claims
        ]
        digest.update(json.dumps(parts, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


class FactStore:
    """Read access to the facts store (writes go through actions.loader)."""

    def __init__(self, url: Optional[str] = None, engine: Optional[Engine] = None) -> None:
        self.engine = engine or make_engine(url or settings.facts_db_url())

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)

    def session(self) -> Session:
        return Session(self.engine, future=True)

    def facts(self, topic: Optional[str] = None, country: Optional[str] = None) -> List[Fact]:
        """Facts in reading order, with their source, countries and claims, optionally of
        one topic and/or about one country."""
        query = (
            select(Fact)
            .options(selectinload(Fact.country_links), selectinload(Fact.claims))
            .order_by(Fact.position, Fact.key)
        )
        if topic:
            query = query.where(Fact.topic == topic)
        if country:
            query = query.where(Fact.country_links.any(FactCountry.country == country))
        with self.session() as session:
            return list(session.execute(query).unique().scalars())

    def fact(self, key: str) -> Optional[Fact]:
        with self.session() as session:
            return session.execute(select(Fact).where(Fact.key == key)).unique().scalar_one_or_none()

    def countries(self, topic: Optional[str] = None) -> List[str]:
        """Countries that have at least one fact (of `topic`, if given), sorted."""
        query = select(FactCountry.country).distinct().order_by(FactCountry.country)
        if topic:
            query = query.join(Fact, Fact.id == FactCountry.fact_id).where(Fact.topic == topic)
        with self.session() as session:
            return list(session.execute(query).scalars())

    def offices(self, country: Optional[str] = None) -> List[ConsularOffice]:
        query = select(ConsularOffice).order_by(ConsularOffice.country, ConsularOffice.city, ConsularOffice.key)
        if country:
            query = query.where(ConsularOffice.country == country)
        with self.session() as session:
            return list(session.execute(query).unique().scalars())

    def sources(self) -> List[Source]:
        with self.session() as session:
            return list(session.execute(select(Source).order_by(Source.published_on, Source.key)).scalars())

    def version(self) -> Tuple[object, ...]:
        """A cheap summary that changes whenever a load changes the facts (their rows' update
        times, how many there are, the length of every claim), read on every turn instead of
        all the facts (actions.actions.engine_for)."""
        summary = select(
            select(func.count()).select_from(Fact).scalar_subquery(),
            select(func.max(Fact.updated_at)).scalar_subquery(),
            select(func.count()).select_from(Claim).scalar_subquery(),
            select(
                func.sum(func.length(Claim.value) + func.coalesce(func.length(Claim.sentence), 0))
            ).scalar_subquery(),
            select(func.count()).select_from(Source).scalar_subquery(),
            select(func.max(Source.updated_at)).scalar_subquery(),
            select(func.count()).select_from(FactCountry).scalar_subquery(),
        )
        with self.session() as session:
            return tuple(session.execute(summary).one())

    def counts(self) -> Dict[str, int]:
        with self.session() as session:
            return {
                name: session.execute(select(func.count()).select_from(model)).scalar_one()
                for name, model in (
                    ("sources", Source),
                    ("facts", Fact),
                    ("claims", Claim),
                    ("offices", ConsularOffice),
                )
            }


@lru_cache(maxsize=4)
def _store_for(url: str) -> FactStore:
    return FactStore(url)


def get_store() -> FactStore:
    """The shared store for the configured FACTS_DB_URL (one engine and pool per URL)."""
    return _store_for(settings.facts_db_url())

"""The facts store: official sources, the facts taken from them, and consular offices.

SQLAlchemy 1.4 in the 2.0 style (`select()`, `Session`, `future=True`). SQLite by
default, PostgreSQL (or any SQLAlchemy database) through FACTS_DB_URL. Every fact and
every office references the source it comes from; the schema does not allow one
without. Reads return plain frozen records, detached from any session.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
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


class FactCountry(Base):
    __tablename__ = "fact_countries"

    fact_id = Column(ForeignKey("facts.id", ondelete="CASCADE"), primary_key=True)
    country = Column(String(64), primary_key=True, index=True)
    position = Column(Integer, nullable=False, default=0)


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


@dataclass(frozen=True)
class SourceRecord:
    key: str
    title: str
    issuer: str
    published_on: dt.date
    url: Optional[str] = None


@dataclass(frozen=True)
class FactRecord:
    key: str
    topic: str
    answer: str
    source: SourceRecord
    countries: Tuple[str, ...] = ()
    keywords: Tuple[str, ...] = ()
    event_date: Optional[dt.date] = None
    event_precision: Optional[str] = None
    event_upcoming: Optional[str] = None
    event_past: Optional[str] = None


@dataclass(frozen=True)
class OfficeRecord:
    key: str
    country: str
    city: str
    name: str
    source: SourceRecord
    address: Optional[str] = None
    phones: Tuple[str, ...] = ()
    email: Optional[str] = None
    hours: Optional[str] = None
    url: Optional[str] = None


def _source_record(row: Source) -> SourceRecord:
    return SourceRecord(row.key, row.title, row.issuer, row.published_on, row.url)


def _fact_record(row: Fact) -> FactRecord:
    return FactRecord(
        key=row.key,
        topic=row.topic,
        answer=row.answer,
        source=_source_record(row.source),
        countries=tuple(link.country for link in row.country_links),
        keywords=tuple(row.keywords or ()),
        event_date=row.event_date,
        event_precision=row.event_precision,
        event_upcoming=row.event_upcoming,
        event_past=row.event_past,
    )


def _office_record(row: ConsularOffice) -> OfficeRecord:
    return OfficeRecord(
        key=row.key,
        country=row.country,
        city=row.city,
        name=row.name,
        source=_source_record(row.source),
        address=row.address,
        phones=tuple(row.phones or ()),
        email=row.email,
        hours=row.hours,
        url=row.url,
    )


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


class FactStore:
    """Read access to the facts store (writes go through actions.loader)."""

    def __init__(self, url: Optional[str] = None, engine: Optional[Engine] = None) -> None:
        self.engine = engine or make_engine(url or settings.facts_db_url())

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)

    def session(self) -> Session:
        return Session(self.engine, future=True)

    def facts(self, topic: Optional[str] = None, country: Optional[str] = None) -> List[FactRecord]:
        """Facts in reading order, optionally of one topic and/or about one country."""
        query = select(Fact).options(selectinload(Fact.country_links)).order_by(Fact.position, Fact.key)
        if topic:
            query = query.where(Fact.topic == topic)
        if country:
            query = query.where(Fact.country_links.any(FactCountry.country == country))
        with self.session() as session:
            return [_fact_record(row) for row in session.execute(query).unique().scalars()]

    def fact(self, key: str) -> Optional[FactRecord]:
        with self.session() as session:
            row = session.execute(select(Fact).where(Fact.key == key)).unique().scalar_one_or_none()
            return _fact_record(row) if row else None

    def countries(self, topic: Optional[str] = None) -> List[str]:
        """Countries that have at least one fact (of `topic`, if given), sorted."""
        query = select(FactCountry.country).distinct().order_by(FactCountry.country)
        if topic:
            query = query.join(Fact, Fact.id == FactCountry.fact_id).where(Fact.topic == topic)
        with self.session() as session:
            return list(session.execute(query).scalars())

    def offices(self, country: Optional[str] = None) -> List[OfficeRecord]:
        query = select(ConsularOffice).order_by(ConsularOffice.country, ConsularOffice.city, ConsularOffice.key)
        if country:
            query = query.where(ConsularOffice.country == country)
        with self.session() as session:
            return [_office_record(row) for row in session.execute(query).unique().scalars()]

    def sources(self) -> List[SourceRecord]:
        with self.session() as session:
            rows = session.execute(select(Source).order_by(Source.published_on, Source.key)).scalars()
            return [_source_record(row) for row in rows]

    def counts(self) -> Dict[str, int]:
        with self.session() as session:
            return {
                name: session.execute(select(func.count()).select_from(model)).scalar_one()
                for name, model in (("sources", Source), ("facts", Fact), ("offices", ConsularOffice))
            }


@lru_cache(maxsize=4)
def _store_for(url: str) -> FactStore:
    return FactStore(url)


def get_store() -> FactStore:
    """The shared store for the configured FACTS_DB_URL (one engine and pool per URL)."""
    return _store_for(settings.facts_db_url())


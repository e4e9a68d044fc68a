"""The facts store, on SQLite and on the real PostgreSQL of this machine."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

import settings
from actions.loader import load_dir
from actions.store import Fact, FactStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path) -> FactStore:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'facts.db'}"  # directory is created
    else:
        url = request.getfixturevalue("postgres_url")
    store = FactStore(url)
    load_dir(store, settings.DEFAULT_FACTS_DIR)
    yield store
    store.engine.dispose()


def test_facts_of_a_topic_in_reading_order(store):
    keys = [f.key for f in store.facts(topic="repatriation")]
    assert keys == ["repatriation.jamaica", "repatriation.bolivia"]


def test_facts_about_a_country_across_topics(store):
    about_us = {f.key for f in store.facts(country="Estados Unidos")}
    assert about_us == {"security.us_meeting", "culture.heritage_goods"}
    assert [f.key for f in store.facts(topic="culture", country="Estados Unidos")] == ["culture.heritage_goods"]


def test_a_fact_about_several_countries_is_found_for_each(store):
    for country in ["Alemania", "Países Bajos", "Finlandia", "Canadá", "El Salvador"]:
        assert [f.key for f in store.facts(country=country)] == ["security.partners"]


def test_every_fact_carries_its_source(store):
    for fact in store.facts():
        assert fact.source.title == "Nota de Prensa 9-26"
        assert fact.source.issuer == "Cancillería"
        assert fact.source.published_on.isoformat() == "2026-01-18"


def test_event_dates_keep_their_precision(store):
    fact = store.fact("election_observation.oas_mission")
    assert fact.event_date.isoformat() == "2026-04-01" and fact.event_precision == "month"


def test_countries_with_facts(store):
    assert store.countries(topic="repatriation") == ["Bolivia", "Jamaica"]
    assert "Chile" in store.countries() and "Argentina" not in store.countries()


def test_no_offices_ship_without_an_official_directory(store):
    assert store.offices() == [] and store.offices("Bolivia") == []


def test_a_fact_without_a_source_is_refused_by_the_database(store):
    with store.session() as session, pytest.raises(IntegrityError):
        with session.begin():
            if store.engine.dialect.name == "sqlite":
                session.execute(text("PRAGMA foreign_keys=ON"))
            session.add(Fact(key="x.y", topic="culture", answer="Sin fuente", keywords=[], source_id=None))


def test_the_cli_round_trips_its_export(store, tmp_path):
    import yaml

    from actions.cli import export_catalog

    exported = tmp_path / "export"
    exported.mkdir()
    (exported / "all.yml").write_text(yaml.safe_dump(export_catalog(store), allow_unicode=True), encoding="utf-8")
    copy = FactStore(f"sqlite:///{tmp_path / 'copy.db'}")
    report = load_dir(copy, exported)
    assert report.created == 21
    assert [f.answer for f in copy.facts()] == [f.answer for f in store.facts()]
    assert [f.countries for f in copy.facts()] == [f.countries for f in store.facts()]
    assert [[(c.attribute, c.sentence, c.amount, c.items) for c in f.claims] for f in copy.facts()] == [
        [(c.attribute, c.sentence, c.amount, c.items) for c in f.claims] for f in store.facts()
    ]
    assert copy.counts() == store.counts()

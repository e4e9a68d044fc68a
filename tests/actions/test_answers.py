import datetime as dt

import pytest

from actions import answers
from actions.store import Fact, Source

NOTE = Source(key="np-9-26", title="Nota de Prensa 9-26", issuer="Cancillería", published_on=dt.date(2026, 1, 18))
OTHER = Source(key="otra", title="Comunicado 1-26", issuer="Cancillería", published_on=dt.date(2026, 2, 3))


def record(key="k", answer="Texto.", countries=(), keywords=(), source=NOTE, **event) -> Fact:
    """A fact built in memory, as the store returns them (the ORM class is the record)."""
    return Fact(
        key=key, topic="t", answer=answer, source=source, countries=list(countries), keywords=list(keywords), **event
    )


ELECTIONS = record(
    answer="La OEA observará el proceso.",
    event_date=dt.date(2026, 4, 1),
    event_precision="month",
    event_upcoming="Las elecciones están previstas para {fecha}.",
    event_past="Esas elecciones estaban previstas para {fecha}; esa fecha ya pasó.",
)


def test_citation_names_title_issuer_and_spanish_date():
    assert answers.citation([NOTE]) == "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."


def test_citation_lists_each_source_once():
    text = answers.citation([NOTE, OTHER, NOTE])
    assert text == (
        "Fuentes: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026; "
        "Comunicado 1-26, Cancillería, 3 de febrero de 2026."
    )


@pytest.mark.parametrize(
    "on, expected",
    [
        (dt.date(2026, 1, 18), "están previstas para abril de 2026"),
        (dt.date(2026, 4, 30), "están previstas para abril de 2026"),  # still within the month
        (dt.date(2026, 5, 1), "ya pasó"),
        (dt.date(2026, 11, 28), "ya pasó"),
    ],
)
def test_a_dated_event_is_upcoming_only_until_it_has_passed(on, expected):
    text = answers.render([ELECTIONS], on=on)
    assert expected in text
    if on > dt.date(2026, 4, 30):
        assert "previstas para abril de 2026;" in text and "están previstas" not in text


def test_the_real_elections_fact_is_not_announced_as_upcoming_today(seeded_store):
    text = answers.render(seeded_store.facts(topic="election_observation"))
    assert "ya pasó" in text and "están previstas" not in text
    assert text.endswith("Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026.")


def test_year_and_day_precision():
    assert answers.spanish_date(dt.date(2026, 1, 1), "year") == "2026"
    assert answers.spanish_date(dt.date(2026, 7, 28)) == "28 de julio de 2026"
    year = record(event_date=dt.date(2026, 1, 1), event_precision="year", event_upcoming="U", event_past="P")
    assert answers.event_note(year, dt.date(2026, 12, 31)) == "U"
    assert answers.event_note(year, dt.date(2027, 1, 1)) == "P"
    december = record(event_date=dt.date(2026, 12, 1), event_precision="month", event_upcoming="U", event_past="P")
    assert answers.event_end(december) == dt.date(2026, 12, 31)


def test_render_puts_intro_facts_and_citation_in_paragraphs():
    text = answers.render([record(answer="Uno."), record(answer="Dos.")], intro="Introducción:")
    assert text.split("\n\n") == ["Introducción:", "Uno.", "Dos.", answers.citation([NOTE])]


JAMAICA = record("j", "24 peruanos desde Jamaica.", countries=["Jamaica"], keywords=["huracan", "jamaica"])
BOLIVIA = record("b", "72 peruanos desde Bolivia.", countries=["Bolivia"], keywords=["bloqueos", "bolivia"])
GENERAL = record("g", "15 reuniones.", keywords=["reuniones"])
CHANCAY = record("c", "Chancay.", keywords=["chancay", "puerto"])


def test_a_country_narrows_to_its_facts():
    assert answers.select([JAMAICA, BOLIVIA], "Bolivia").facts == [BOLIVIA]


def test_a_named_country_without_facts_is_reported_missing():
    selection = answers.select([JAMAICA, BOLIVIA], "Chile", explicit=True)
    assert selection.facts == [] and selection.missing_country == "Chile"
    assert selection.countries_available == ["Bolivia", "Jamaica"]


def test_a_country_carried_over_from_context_is_ignored_when_it_has_no_facts():
    selection = answers.select([JAMAICA, BOLIVIA], "Chile", explicit=False)
    assert selection.facts == [JAMAICA, BOLIVIA] and selection.missing_country is None


def test_general_facts_remain_when_a_named_country_is_missing():
    selection = answers.select([JAMAICA, GENERAL], "Chile")
    assert selection.facts == [GENERAL] and selection.missing_country == "Chile"


def test_topics_without_country_facts_apply_everywhere():
    selection = answers.select([GENERAL, CHANCAY], "España")
    assert selection.facts == [GENERAL, CHANCAY] and selection.missing_country is None


def test_keywords_narrow_ignoring_accents_and_case():
    assert answers.select([GENERAL, CHANCAY], text="¿Qué pasó en el PUERTO de Chancay?").facts == [CHANCAY]
    assert answers.select([JAMAICA, BOLIVIA], text="lo del huracán").facts == [JAMAICA]


def test_no_keyword_match_keeps_every_fact():
    assert answers.select([GENERAL, CHANCAY], text="seguridad").facts == [GENERAL, CHANCAY]


def test_keywords_match_whole_words_only():
    assert not answers.mentions("los puertorriqueños", "puerto")
    assert answers.mentions("Organización Marítima", "maritima")


def test_offices_are_rendered_exactly_as_stored_with_source():
    from actions.store import ConsularOffice

    office = ConsularOffice(
        key="o",
        country="Bolivia",
        city="La Paz",
        name="Consulado General",
        source=NOTE,
        address="Calle 1",
        phones=["+591 1", "+591 2"],
        hours="9 a 13",
    )
    text = answers.render_offices([office])
    assert "Consulado General (La Paz, Bolivia)" in text
    assert "Teléfono: +591 1, +591 2" in text and "Horario: 9 a 13" in text
    assert text.endswith(answers.citation([NOTE]))

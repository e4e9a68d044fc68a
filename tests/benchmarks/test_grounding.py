"""The grounding check (benchmarks/grounding.py): numbers, names and links need a source."""
import pytest

from benchmarks.grounding import (
    Corpus,
    build_corpus,
    list_counts,
    names_in,
    numbers_in,
    store_texts,
    template_texts,
    ungrounded,
)
from tests.conftest import ROOT

CITATION = "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    """The reviewed data/facts/ in a real SQLite store, and the repository's templates."""
    from actions import settings
    from actions.loader import load_dir
    from actions.store import FactStore

    path = tmp_path_factory.mktemp("facts") / "facts.db"
    load_dir(FactStore(f"sqlite:///{path}"), settings.DEFAULT_FACTS_DIR)
    return build_corpus(f"sqlite:///{path}", ROOT)


def problems(reply, corpus, citizen=()):
    return [m.text for m in ungrounded(reply, corpus, citizen)]


# --- reading numbers and names ------------------------------------------------------------

def test_numbers_are_read_as_digits_words_ordinals_and_roman_numerals():
    values = lambda text: [m.value for m in numbers_in(text)]  # noqa: E731
    assert values("repatrió a 24 peruanos") == [24]
    assert values("veinticuatro y setenta y dos") == [24, 72]
    assert values("trescientos cuarenta y siete bienes") == [347]
    assert values("la 63.ª Sesión Plenaria") == [63]
    assert values("la sexagésima tercera sesión") == [63]
    assert values("el décimo congreso") == [10]
    assert values("el X Congreso Internacional") == [10]
    assert values("Plan de Acción 2025–2026") == [2025, 2026]
    assert values("dos mil veintiséis") == [2026]
    assert values("1.500 personas") == [1500]


def test_articles_and_urls_are_not_numbers():
    assert numbers_in("un comité y una reunión con uno de ellos") == []
    assert numbers_in("visite https://www.gob.pe/rree2026") == []


def test_names_are_capitalised_runs_and_sentence_openers_are_ordinary_words():
    names = lambda text: [m.text for m in names_in(text)]  # noqa: E731
    assert names("Con Chile se instaló el Comité Binacional de Cooperación Migratoria.") == [
        "Chile", "Comité Binacional", "Cooperación Migratoria"]
    assert names("Cajamarca recibió una visita. Según la nota, sí.") == ["Cajamarca"]
    assert names("Lima fue sede.") == ["Lima"]  # a common word that is also a place is a name
    assert names("«Tu voto cruza fronteras»") == []
    assert names("el secretario de Estado, Marco Rubio.") == ["Estado", "Marco Rubio"]


def test_list_counts():
    assert list_counts("con Alemania, Países Bajos, Finlandia, Canadá y El Salvador para") == {5}
    assert list_counts("junto con el Instituto Cervantes, la Real Academia Española y la ASALE.") == {3}
    assert list_counts("la Declaración de Quito y el Plan de Acción 2025–2026") == {2}


# --- the allowed sources ------------------------------------------------------------------

def test_the_store_is_read_whole(corpus):
    assert "marco rubio" in corpus.folded
    assert "tu voto cruza fronteras" in corpus.folded  # keywords (a JSON column) too
    assert {24, 72, 347, 63, 15, 2, 18, 2026, 100}.issubset(corpus.numbers)
    assert {5, 8, 3}.issubset(corpus.counts)


def test_templates_come_from_messages_and_domain():
    texts = " ".join(template_texts(ROOT))
    assert "https://www.gob.pe/rree" in texts  # actions/messages.py
    assert "no logré entender" in texts  # domain.yml


def test_store_texts_reads_tables_it_does_not_know(tmp_path):
    from sqlalchemy import Column, Date, Integer, MetaData, String, Table, create_engine, insert

    engine = create_engine(f"sqlite:///{tmp_path / 'claims.db'}", future=True)
    metadata = MetaData()
    claims = Table("claims", metadata, Column("id", Integer, primary_key=True), Column("value", String),
                   Column("amount", Integer), Column("position", Integer), Column("on", Date))
    metadata.create_all(engine)
    import datetime as dt

    with engine.begin() as connection:
        connection.execute(insert(claims).values(id=991, value="Piura", amount=96, position=7,
                                                 on=dt.date(2025, 11, 3)))
    texts, numbers = store_texts(f"sqlite:///{tmp_path / 'claims.db'}")
    assert texts == ["Piura"]
    assert numbers == {96, 2025, 11, 3}  # not the key (991) nor the position (7)


# --- the check ---------------------------------------------------------------------------

def test_todays_answers_are_grounded(corpus):
    replies = [
        "La Cancillería repatrió a 24 peruanos que quedaron varados en Jamaica tras el paso del huracán "
        "Melissa, y envió más de dos toneladas de ayuda humanitaria.\n" + CITATION,
        "En Washington D. C., el canciller se reunió con el secretario de Estado de los Estados Unidos, Marco "
        "Rubio.\n" + CITATION,
        "El Perú fue sede de la 63.ª Sesión Plenaria del Panel Intergubernamental sobre Cambio Climático (IPCC).",
        "En Arequipa, la Cancillería organizó el X Congreso Internacional de la Lengua Española.",
        "No tengo esa información confirmada. Consulte el portal oficial de la Cancillería, https://www.gob.pe/rree",
        "Sí. Fue el décimo congreso, en la sexagésima tercera… no: en la 63.ª sesión del IPCC.",
    ]
    for reply in replies:
        assert problems(reply, corpus) == [], reply


def test_totals_with_their_parts_and_counts_of_lists_are_grounded(corpus):
    assert problems("96 en total: 24 desde Jamaica y 72 desde Bolivia. " + CITATION, corpus) == []
    assert problems("Desde Bolivia llegaron 48 más que desde Jamaica (72 frente a 24).", corpus) == []
    assert problems("Con cinco: Alemania, Países Bajos, Finlandia, Canadá y El Salvador.", corpus) == []
    assert problems("Visitó ocho regiones.", corpus) == []  # the store lists eight regions


def test_a_total_without_its_parts_is_not_grounded(corpus):
    assert problems("En total fueron 96 peruanos.", corpus) == ["96"]


def test_invented_numbers_fail(corpus):
    assert problems("La Cancillería repatrió a 500 peruanos desde Bolivia.", corpus) == ["500"]
    assert problems("El vuelo llegó el 12 de abril.", corpus) == ["12"]
    assert problems("Llame al (01) 204-2400.", corpus) == ["204", "2400"]
    assert problems("Fue la quincuagésima sesión.", corpus) == ["quincuagésima"]
    assert problems("El XI Congreso de la Lengua.", corpus) == ["XI"]


def test_invented_names_fail(corpus):
    assert problems("Volvieron en un vuelo de LATAM a Lima.", corpus) == ["LATAM", "Lima"]
    assert problems("El canciller Hugo de Zela se reunió con Marco Rubio.", corpus) == ["Hugo", "Zela"]
    assert problems("Lima fue la sede de la plenaria.", corpus) == ["Lima"]
    assert problems("Se firmó con Antony Blinken.", corpus) == ["Antony Blinken"]
    assert problems("Los observadores de la ONPE vinieron.", corpus) == ["ONPE"]


def test_a_name_of_the_store_in_a_new_combination_fails(corpus):
    assert problems("Lo presidió Marco Cervantes.", corpus) == ["Marco Cervantes"]


def test_the_citizens_own_words_ground_a_reply(corpus):
    citizen = ["me dijeron que trajeron a 500 de Bolivia, vivo en Lima"]
    assert problems("No: según la nota fueron 72, no 500. Usted vive en Lima.", corpus, citizen) == []


def test_invented_links_fail(corpus):
    assert problems("Consulte https://www.gob.pe/rree", corpus) == []
    assert problems("Consulte https://consulado-peru.example.com/citas", corpus) == [
        "https://consulado-peru.example.com/citas"]
    assert problems("Escriba a citas@consulado.pe", corpus) == ["citas@consulado.pe"]

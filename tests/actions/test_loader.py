import textwrap
from pathlib import Path

import pytest

import settings
from actions.loader import LoaderError, load_dir, read_dir
from actions.store import FactStore

SOURCE = """
sources:
  - key: np-test
    title: Nota de prueba
    issuer: Cancillería
    published_on: 2026-01-18
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def fact(**fields) -> str:
    entry = {"key": "test.fact", "topic": "repatriation", "source": "np-test", "answer": "Un hecho de prueba."}
    entry.update(fields)
    lines = ["facts:", "  - " + "\n    ".join(f"{k}: {v}" for k, v in entry.items())]
    return SOURCE + "\n".join(lines) + "\n"


@pytest.fixture
def facts_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "facts"
    directory.mkdir()
    return directory


@pytest.fixture
def store(tmp_path: Path) -> FactStore:
    return FactStore(f"sqlite:///{tmp_path / 'facts.db'}")


def test_the_reviewed_seed_data_is_valid_and_covers_the_note():
    catalog = read_dir(settings.DEFAULT_FACTS_DIR)
    topics = {f.topic for f in catalog.facts}
    assert {
        "overview",
        "vote_abroad",
        "election_observation",
        "repatriation",
        "security_cooperation",
        "integration",
        "multilateral",
        "culture",
        "regional_visits",
    } <= topics
    assert all(f.source == "np-9-26" for f in catalog.facts)
    assert catalog.offices == []  # no official directory is loaded yet


def test_loading_twice_changes_nothing(store):
    first = load_dir(store, settings.DEFAULT_FACTS_DIR)
    second = load_dir(store, settings.DEFAULT_FACTS_DIR)
    assert first.created == 21 and first.updated == 0
    assert (second.created, second.updated, second.unchanged) == (0, 0, 21)
    assert store.counts() == {"sources": 1, "facts": 20, "claims": 71, "offices": 0}


def test_a_changed_answer_is_updated_in_place(facts_dir, store):
    write(facts_dir, "a.yml", fact(answer="Primera versión."))
    load_dir(store, facts_dir)
    write(facts_dir, "a.yml", fact(answer="Segunda versión.", countries="[Bolivia]"))
    report = load_dir(store, facts_dir)
    assert report.updated == 1 and report.created == 0
    stored = store.fact("test.fact")
    assert stored.answer == "Segunda versión." and stored.countries == ("Bolivia",)


def test_prune_removes_what_left_the_files(facts_dir, store):
    write(facts_dir, "a.yml", fact())
    load_dir(store, facts_dir)
    write(facts_dir, "a.yml", SOURCE)
    assert load_dir(store, facts_dir).deleted == 0
    assert store.fact("test.fact") is not None
    assert load_dir(store, facts_dir, prune=True).deleted == 1
    assert store.fact("test.fact") is None


def test_invalid_yaml_names_file_and_line(facts_dir):
    path = write(facts_dir, "broken.yml", "facts:\n  - key: a\n   topic: [unclosed\n")
    with pytest.raises(LoaderError) as error:
        read_dir(facts_dir)
    assert str(path) in str(error.value) and "línea" in str(error.value)


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"topic": "weather"}, "tema desconocido"),
        ({"countries": "[Narnia]"}, "Narnia"),
        ({"countries": "[bolivia]"}, "¿quiso decir «Bolivia»?"),
        ({"answer": "La misión llegará el próximo mes."}, "próximo"),
        ({"answer": "''"}, "answer"),
        ({"source": "no-such-source"}, "la fuente «no-such-source» no existe"),
        ({"key": "Not A Key!"}, "minúsculas"),
        ({"price": "100 soles"}, "extra fields not permitted"),
        ({"event": "{date: 2026-13, upcoming: a, past: b}"}, "event"),
    ],
)
def test_bad_entries_are_rejected_with_file_and_entry(facts_dir, store, fields, expected):
    path = write(facts_dir, "bad.yml", fact(**fields))
    with pytest.raises(LoaderError) as error:
        load_dir(store, facts_dir)
    message = str(error.value)
    assert str(path) in message and "facts[0]" in message and expected in message
    store.create_schema()
    assert store.counts()["facts"] == 0


def test_duplicate_keys_across_files_are_rejected(facts_dir):
    write(facts_dir, "a.yml", fact())
    write(facts_dir, "b.yml", "facts:\n  - {key: test.fact, topic: culture, source: np-test, answer: Otro.}\n")
    with pytest.raises(LoaderError, match="clave repetida"):
        read_dir(facts_dir)


def test_an_office_needs_a_source_and_some_contact(facts_dir):
    write(
        facts_dir,
        "offices.yml",
        SOURCE + "offices:\n  - {key: office.x, country: Bolivia, city: La Paz, name: Consulado, source: np-test}\n",
    )
    with pytest.raises(LoaderError, match="al menos dirección"):
        read_dir(facts_dir)


def test_nothing_is_written_when_any_file_is_bad(facts_dir, store):
    write(facts_dir, "a.yml", fact())
    write(facts_dir, "b.yml", "facts: [oops")
    with pytest.raises(LoaderError):
        load_dir(store, facts_dir)
    store.create_schema()
    assert store.counts()["facts"] == 0


def test_binary_file_is_a_clear_error(facts_dir):
    (facts_dir / "x.yml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(LoaderError, match="UTF-8"):
        read_dir(facts_dir)


def test_loads_a_sourced_office(facts_dir, store):
    write(
        facts_dir,
        "offices.yml",
        SOURCE + "offices:\n  - {key: office.bo.lp, country: Bolivia, city: La Paz, name: Consulado General, "
        "phones: ['+591 0000'], source: np-test}\n",
    )
    load_dir(store, facts_dir)
    [office] = store.offices("Bolivia")
    assert office.phones == ["+591 0000"] and office.source.key == "np-test"


CLAIM = (
    "[{attribute: quantity, value: 24 peruanos, quantity: {amount: 24, unit: peruanos}, "
    "sentence: 'Fueron 24 peruanos.'}]"
)


def test_claims_are_stored_with_their_structure_and_updated_in_place(facts_dir, store):
    write(facts_dir, "a.yml", fact(claims=CLAIM, countries="[Jamaica]"))
    load_dir(store, facts_dir)
    [claim] = store.fact("test.fact").claims
    assert (claim.attribute, claim.amount, claim.unit, claim.sentence) == (
        "quantity",
        24,
        "peruanos",
        "Fueron 24 peruanos.",
    )
    write(facts_dir, "a.yml", fact(claims=CLAIM.replace("24", "72"), countries="[Jamaica]"))
    report = load_dir(store, facts_dir)
    assert report.updated == 1 and [c.amount for c in store.fact("test.fact").claims] == [72]
    assert store.counts()["claims"] == 1


def test_prune_cascades_to_a_facts_claims_and_countries(facts_dir, store):
    write(facts_dir, "a.yml", fact(claims=CLAIM, countries="[Jamaica, Bolivia]"))
    load_dir(store, facts_dir)
    write(facts_dir, "a.yml", SOURCE)
    assert load_dir(store, facts_dir, prune=True).deleted == 1
    assert store.counts() == {"sources": 1, "facts": 0, "claims": 0, "offices": 0}
    assert store.countries() == []


@pytest.mark.parametrize(
    "claims, expected",
    [
        ("[{attribute: weather, value: x, sentence: x}]", "atributo desconocido"),
        ("[{attribute: place, value: Tacna, sentence: 'Fue en Arequipa.'}]", "la frase no dice el valor «Tacna»"),
        ("[{attribute: place, value: Tacna}]", "falta `sentence`"),
        ("[{attribute: quantity, value: 24, sentence: 'Fueron 24.'}]", "necesita `quantity`"),
        ("[{attribute: place, value: 'A y B', items: [A, B, C], sentence: 'A y B.'}]", "no menciona: C"),
        (
            "[{attribute: place, value: 'A y B', items: [A, B], quantity: {amount: 3, unit: x}, sentence: 'A y B.'}]",
            "la lista tiene 2",
        ),
        ("[{attribute: date, value: abril, dated: true}]", "necesita el `event`"),
        ("[{attribute: place, value: Tacna, sentence: 'Será en Tacna.'}]", "expresión de futuro"),
    ],
)
def test_bad_claims_are_rejected_with_their_position(facts_dir, claims, expected):
    write(facts_dir, "bad.yml", fact(claims=claims))
    with pytest.raises(LoaderError) as error:
        read_dir(facts_dir)
    assert "facts[0] (test.fact)" in str(error.value) and expected in str(error.value)

import pytest

from actions import countries


@pytest.mark.parametrize(
    "written, expected",
    [
        ("Bolivia", "Bolivia"),
        ("bolivia", "Bolivia"),
        ("BOLIVIA", "Bolivia"),
        ("bolivianos", "Bolivia"),
        ("Canadá", "Canadá"),
        ("canada", "Canadá"),
        ("paises bajos", "Países Bajos"),
        ("Holanda", "Países Bajos"),
        ("EEUU", "Estados Unidos"),
        ("gringos", "Estados Unidos"),
        ("jamaiquinos", "Jamaica"),
        ("el salvador", "El Salvador"),
        ("Madrid", "España"),
    ],
)
def test_any_spelling_gives_the_canonical_name(written, expected):
    assert countries.canonical(written) == expected


@pytest.mark.parametrize("word", ["Narnia", "", None, "peruanos", "Perú", "español", "lengua española"])
def test_unknown_words_and_peru_are_not_countries(word):
    assert countries.canonical(word) is None


def test_finds_countries_in_free_text_in_order_without_repeats():
    text = "oe estoy varado en bolivia, antes estuve en JAMAICA y luego otra vez bolivia"
    assert countries.find_in_text(text) == ["Bolivia", "Jamaica"]


def test_prefers_the_longest_name():
    assert countries.find_in_text("vivo en estados unidos de america") == ["Estados Unidos"]
    assert countries.find_in_text("q tal en el salvador") == ["El Salvador"]


def test_does_not_match_inside_words():
    assert countries.find_in_text("chilenísimo ecuatorial") == []


def test_every_country_in_the_facts_is_known():
    import settings
    from actions.loader import read_dir

    catalog = read_dir(settings.DEFAULT_FACTS_DIR)
    named = {c for fact in catalog.facts for c in fact.countries}
    assert named <= set(countries.known())


def test_lookup_table_has_an_accent_free_twin_for_every_name():
    import yaml

    import settings

    data = yaml.safe_load(settings.DEFAULT_COUNTRIES_FILE.read_text(encoding="utf-8"))
    lookup = next(item for item in data["nlu"] if item.get("lookup") == "country")
    names = {line[2:].strip() for line in lookup["examples"].splitlines() if line.strip()}
    lowered = {n.lower() for n in names}
    missing = sorted(n for n in names if countries.fold(n) not in lowered)
    assert missing == []

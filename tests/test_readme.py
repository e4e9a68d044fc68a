"""The front page stays short and true, and the guides only name what exists.

- README.md fits on two screens and links to the guides and the generated figures;
- every `make` target and `python -m` module the README and the guides name exists;
- every relative link in them points to a file of the repository;
- every command the README documents is started for real by a test (COVERED below).
"""

import importlib.util
import re
from pathlib import Path

import pytest

import settings

README = settings.ROOT / "README.md"
DOCS = sorted((settings.ROOT / "docs").rglob("*.md"))
MAKEFILE = settings.ROOT / "Makefile"

MAX_LINES = 100  # two screens
MAX_LINE_CHARS = 120  # but the architecture picture

# The test that starts each command the README documents (a subprocess, then a real
# request where it serves). `make test` and `make lint` are what CI runs (.ci/run), and
# `make eval` trains and scores seven systems (tens of minutes): no test runs them.
COVERED = {
    "make run": "tests/scripts/test_serve.py",
    "make test-fast": "tests/test_makefile.py",
    "make help": "tests/test_makefile.py",
    "make lint": "tests/test_makefile.py",
    "make chat": "tests/scripts/test_chat.py",
    "make console": "tests/console/test_cli.py",
    "make bench": "tests/benchmarks/test_serving.py",
    "make eval-conversations": "tests/benchmarks/test_conversations.py",
}
NOT_RUN_BY_TESTS = {"make test", "make eval"}


def documents():
    return [README, *DOCS]


def make_targets() -> set:
    return set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE.read_text(encoding="utf-8"), re.M))


def documented_make_commands(text: str) -> set:
    return {f"make {target}" for target in re.findall(r"`make ([a-z][a-z-]*)", text)}


def test_the_front_page_fits_on_two_screens():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_LINES, f"README.md has {len(lines)} lines; move the detail to docs/"
    picture = False
    for number, line in enumerate(lines, start=1):
        picture ^= line.startswith("```")
        assert picture or len(line) <= MAX_LINE_CHARS, f"README.md:{number} is {len(line)} characters long"


def test_the_front_page_has_what_it_promises():
    text = README.read_text(encoding="utf-8")
    for heading in ("## The two commands", "## Architecture", "## What the tests need", "## Read next"):
        assert heading in text
    assert "make run" in text and "make test" in text
    for variable in ("TEST_POSTGRES_URL", "TEST_REDIS_URL", "TEST_RABBITMQ_URL"):
        assert variable in text
    assert "docs/benchmarks/nlu.md" in text and "docs/benchmarks/serving.md" in text


def test_no_figure_is_copied_into_the_front_page():
    """Measured figures live in docs/benchmarks/ (generated); the README links to them."""
    text = README.read_text(encoding="utf-8")
    measured = re.findall(r"\b\d+(?:[.,]\d+)?\s?(?:ms|s|MB|GB|msg/s)\b|\b0\.\d{2,}\b", text)
    assert measured == [], measured


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(settings.ROOT)))
def test_every_make_target_named_exists(document):
    text = document.read_text(encoding="utf-8")
    missing = {command for command in documented_make_commands(text) if command[5:] not in make_targets()}
    assert not missing, f"{document.name} names make targets the Makefile does not have: {sorted(missing)}"


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(settings.ROOT)))
def test_every_python_module_named_exists(document):
    text = document.read_text(encoding="utf-8")
    modules = set(re.findall(r"python -m ([A-Za-z_][\w.]*)", text))
    missing = {module for module in modules if importlib.util.find_spec(module) is None}
    assert not missing, f"{document.name} names modules that do not exist: {sorted(missing)}"


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(settings.ROOT)))
def test_every_relative_link_points_to_a_file(document):
    text = document.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (document.parent / target.split("#")[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert not broken, f"{document.name} links to missing files: {broken}"


def test_every_command_the_readme_documents_is_started_by_a_test():
    commands = documented_make_commands(README.read_text(encoding="utf-8"))
    unaccounted = commands - set(COVERED) - NOT_RUN_BY_TESTS
    assert not unaccounted, f"no test starts {sorted(unaccounted)}: add one and list it in COVERED"
    for command, test in COVERED.items():
        source = (settings.ROOT / test).read_text(encoding="utf-8")
        target = command.split()[1]
        # ["make", "run"], ["make", "--no-print-directory", "run"] or make("run"
        started = rf'(["\']make["\'],\s*(["\']-[^"\']*["\'],\s*)*|\bmake\()["\']{re.escape(target)}["\']'
        assert re.search(started, source), f"{test} does not start `{command}`"


def test_the_staff_manual_is_in_spanish():
    manual = (settings.ROOT / "docs" / "manual-del-personal.md").read_text(encoding="utf-8")
    words = re.findall(r"[a-záéíóúñ]+", manual.lower())
    spanish = sum(word in {"la", "el", "de", "que", "los", "las", "una", "para", "con", "por"} for word in words)
    english = sum(word in {"the", "and", "of", "to", "with", "for", "is", "that", "this"} for word in words)
    assert spanish > 10 * max(english, 1)


def test_the_developer_documents_are_in_english():
    for document in [README, *DOCS]:
        if document.name == "manual-del-personal.md" or "benchmarks" in document.parts:
            continue
        words = re.findall(r"[a-záéíóúñ]+", document.read_text(encoding="utf-8").lower())
        english = sum(word in {"the", "and", "of", "to", "with", "for", "is", "that", "this"} for word in words)
        spanish = sum(word in {"la", "el", "que", "los", "las", "una", "para", "con", "por"} for word in words)
        assert english > spanish, document.name


def test_the_guides_are_one_file_each():
    names = {path.name for path in Path(settings.ROOT / "docs").glob("*.md")}
    for guide in (
        "architecture.md",
        "development.md",
        "configuration.md",
        "website-chat.md",
        "whatsapp.md",
        "twilio.md",
        "deployment.md",
        "nlu.md",
        "facts.md",
        "troubleshooting.md",
        "manual-del-personal.md",
    ):
        assert guide in names

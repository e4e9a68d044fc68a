"""Configuration of the actions and the facts store, read from the environment."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FACTS_DIR = REPO_ROOT / "data" / "facts"
DEFAULT_COUNTRIES_FILE = REPO_ROOT / "data" / "nlu" / "countries.yml"
DEFAULT_FACTS_DB = REPO_ROOT / "var" / "facts.db"

# Citizens are in many time zones; "today" is the ministry's date, in Lima.
TIMEZONE = "America/Lima"


def facts_db_url() -> str:
    """SQLAlchemy URL of the facts store (FACTS_DB_URL), SQLite under var/ by default."""
    return os.environ.get("FACTS_DB_URL") or f"sqlite:///{DEFAULT_FACTS_DB}"


def facts_dir() -> Path:
    """Directory holding the reviewed seed facts (FACTS_DIR)."""
    return Path(os.environ.get("FACTS_DIR") or DEFAULT_FACTS_DIR)


def countries_file() -> Path:
    """NLU file with the country lookup table and synonyms (COUNTRIES_FILE)."""
    return Path(os.environ.get("COUNTRIES_FILE") or DEFAULT_COUNTRIES_FILE)


def context_turns() -> int:
    """How many earlier user messages a country mentioned stays in context for."""
    return int(os.environ.get("COUNTRY_CONTEXT_TURNS", "3"))

"""Settings shared by every part of the assistant, in one place.

Paths inside the repository, the default databases, the ministry's time zone and the
official portal are defined here once; everything else reads them from this module.
Values that can be configured are read from the environment when called (the tests
and `make run` change the environment), with the defaults below. Settings that only
one part uses stay with it (the console's CONSOLE_*, the channels' WHATSAPP_* and
TWILIO_* in credentials.yml); docs/configuration.md lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

# --- the repository -------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent
VAR_DIR = ROOT / "var"  # local databases and keys (git-ignored)
DOMAIN_FILE = ROOT / "domain.yml"
MODEL_FILE = ROOT / "models" / "asistente.tar.gz"  # what `make train` writes
DEFAULT_FACTS_DIR = ROOT / "data" / "facts"
DEFAULT_COUNTRIES_FILE = ROOT / "data" / "nlu" / "countries.yml"

# --- databases --------------------------------------------------------------------------

DEFAULT_FACTS_DB = VAR_DIR / "facts.db"
DEFAULT_TRACKER_DB = VAR_DIR / "conversations.db"  # conversations; the console and WhatsApp tables too


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


DEFAULT_FACTS_DB_URL = sqlite_url(DEFAULT_FACTS_DB)
DEFAULT_TRACKER_STORE_URL = sqlite_url(DEFAULT_TRACKER_DB)


def facts_db_url() -> str:
    """SQLAlchemy URL of the facts store (FACTS_DB_URL), SQLite under var/ by default."""
    return os.environ.get("FACTS_DB_URL") or DEFAULT_FACTS_DB_URL


def tracker_store_url() -> str:
    """SQLAlchemy URL of the conversations Rasa keeps (TRACKER_STORE_URL), SQLite under var/ by default."""
    return os.environ.get("TRACKER_STORE_URL") or DEFAULT_TRACKER_STORE_URL


# --- the ministry -----------------------------------------------------------------------

# Citizens are in many time zones; "today" is the ministry's date, in Lima.
TIMEZONE = "America/Lima"
DEFAULT_PORTAL_URL = "https://www.gob.pe/rree"


def portal_url() -> str:
    """The official portal a reply points to when no source answers (OFFICIAL_PORTAL_URL)."""
    return os.environ.get("OFFICIAL_PORTAL_URL") or DEFAULT_PORTAL_URL


# --- the facts and the actions ----------------------------------------------------------


def facts_dir() -> Path:
    """Directory holding the reviewed seed facts (FACTS_DIR)."""
    return Path(os.environ.get("FACTS_DIR") or DEFAULT_FACTS_DIR)


def countries_file() -> Path:
    """NLU file with the country lookup table and synonyms (COUNTRIES_FILE)."""
    return Path(os.environ.get("COUNTRIES_FILE") or DEFAULT_COUNTRIES_FILE)


def context_turns() -> int:
    """How many earlier user messages a country mentioned stays in context for (COUNTRY_CONTEXT_TURNS)."""
    return int(os.environ.get("COUNTRY_CONTEXT_TURNS", "3"))

"""Country names as citizens write them -> the canonical names used in the facts store.

The single list of names lives in data/nlu/countries.yml (the NLU lookup table and
synonyms); this module reads it so that the NLU pipeline and the actions agree.
Matching ignores case and accents: "peru", "Perú" and "PERU" are the same word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml

import settings


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form of `text` ("Perú " -> "peru")."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def _examples(block: str) -> List[str]:
    return [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]


@lru_cache(maxsize=4)
def _load(path: Path) -> Dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names: Dict[str, str] = {}
    for item in data.get("nlu", []):
        if "synonym" in item:
            canonical = item["synonym"]
            names[fold(canonical)] = canonical
            for alias in _examples(item.get("examples", "")):
                names[fold(alias)] = canonical
    return names


def aliases() -> Dict[str, str]:
    """Every folded spelling, alias and demonym -> canonical country name."""
    return _load(settings.countries_file())


def canonical(name: Optional[str]) -> Optional[str]:
    """The canonical name for any spelling of a country, or None if unknown."""
    if not name:
        return None
    return aliases().get(fold(str(name)))


@lru_cache(maxsize=4)
def _pattern(path: Path) -> re.Pattern:
    keys = sorted(_load(path), key=len, reverse=True)  # longest first: "el salvador"
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")


def find_in_text(text: str) -> List[str]:
    """Canonical names of the countries mentioned in `text`, in order, without repeats."""
    found: List[str] = []
    for match in _pattern(settings.countries_file()).finditer(fold(text or "")):
        name = aliases()[match.group(1)]
        if name not in found:
            found.append(name)
    return found


def known() -> List[str]:
    """All canonical country names, sorted."""
    return sorted(set(aliases().values()))

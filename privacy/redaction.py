"""Masking of personal data in citizens' messages: pure functions, no I/O.

What is masked, and the mark that replaces it (staff see the mark in the console):

- e-mail addresses                                   -> «correo»
- card numbers: 13 to 19 digits, spaces or hyphens   -> «tarjeta»
- phone numbers: Peruvian mobiles (9 digits starting with 9) with or without +51 / 0051 / 51,
  Lima and provincial landlines with their area code, any number written with "+" and
  a country code                                     -> «teléfono»
- passport numbers: the token after the word "pasaporte", and any token mixing letters
  with at least five digits (AB1234567, PE123456)   -> «pasaporte»
- DNI: 8 digits, optionally with its check character (45678912, 45678912-3) -> «DNI»
- any other run of 7 or more digits (carné de extranjería, RUC, account numbers) -> «número»

The marks contain no digits, no brackets (Rasa's entity syntax) and survive being
masked again, so `redact(redact(x)) == redact(x)`.
"""

from __future__ import annotations

import re
from typing import Any, List, Tuple

EMAIL = "«correo»"
CARD = "«tarjeta»"
PHONE = "«teléfono»"
PASSPORT = "«pasaporte»"
DNI = "«DNI»"
NUMBER = "«número»"

_SEP = r"[ \t.\-]?"  # one optional separator between groups of digits

_RULES: List[Tuple[re.Pattern, Any]] = []


def _rule(pattern: str, replacement: Any, flags: int = 0) -> None:
    _RULES.append((re.compile(pattern, flags), replacement))


# e-mail (also obfuscated with spaces around @ as some people write "juan @ gmail.com")
_rule(r"(?<![\w.+\-])[\w.+\-]{1,64}\s?@\s?[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}", EMAIL)
# phones written with an international prefix: +51 987 654 321, 0051 987654321, +34 612 34 56 78
_rule(
    r"(?<![\w+])(?:\+|00(?=[1-9]))\s?\d{1,3}[ \t.\-]?(?:\(\d{1,4}\)[ \t.\-]?)?\d{1,4}(?:"
    + _SEP
    + r"\d{2,4}){1,4}(?![\w])",
    PHONE,
)
# card numbers: 13-19 digits in groups separated by single spaces or hyphens
_rule(r"(?<![\w])\d(?:[ \-]?\d){12,18}(?![\w])", CARD)
# Peruvian mobiles, with or without 51 in front: 987654321, 987 654 321, 987-654-321, 51987654321
_rule(r"(?<![\w])(?:51" + _SEP + r")?9\d{2}" + _SEP + r"\d{3}" + _SEP + r"\d{3}(?![\w])", PHONE)
# Peruvian landlines with area code: (01) 204-2400, 01 2042400, (044) 123456
_rule(r"(?<![\w])\(0?1\)\s?\d{3}" + _SEP + r"\d{4}(?![\w])", PHONE)
_rule(r"(?<![\w])01[ \-]\d{3}" + _SEP + r"\d{4}(?![\w])", PHONE)
_rule(r"(?<![\w])\(0\d{2}\)\s?\d{2,3}" + _SEP + r"\d{3,4}(?![\w])", PHONE)
# passports: whatever follows the word "pasaporte" (n.º, nro, número, es, :) if it has digits
_rule(
    r"(?P<lead>\bpasaporte\b[^\w\n]{0,3}(?:(?:n[.º°o]*|nro\.?|n[uú]mero|num\.?|es|de|mi)[^\w\n]{0,3}){0,3})"
    r"(?P<value>(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9][A-Za-z0-9\-]{4,14})",
    lambda m: m.group("lead") + PASSPORT,
    re.IGNORECASE,
)
# passport-like tokens anywhere: letters mixed with at least five digits
_rule(r"\b(?=[A-Za-z0-9]{0,13}[A-Za-z])(?=(?:[A-Za-z]{0,13}\d){5})[A-Za-z0-9]{6,14}\b", PASSPORT)
# DNI: 8 digits, optionally with the check character
_rule(r"(?<![\w])\d{8}(?:-[0-9Kk])?(?![\w])", DNI)
# DNI written in groups: 45 678 912, 45.678.912
_rule(r"(?<![\w])\d{2}[ .]\d{3}[ .]\d{3}(?![\w])", DNI)
# anything else with 7 or more digits in a row
_rule(r"\d{7,}", NUMBER)


def redact(text: str) -> str:
    """`text` with the personal data above replaced by their marks."""
    if not text:
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


# Keys whose values are names chosen by the assistant, never citizens' words.
_KEEP_KEYS = frozenset(
    {
        "event",
        "name",
        "intent_name",
        "action_name",
        "message_id",
        "input_channel",
        "policy",
        "utter_action",
        "entity",
        "extractor",
        "role",
        "group",
        "timestamp",
        "confidence",
        "action_text",
        "type_name",
        "intent",
        "retrieval_intent",
        "template_name",
        "response",
        "model_id",
        "assistant_id",
    }
)


def redact_value(value: Any, key: str = "") -> Any:
    """A copy of a JSON-like value with every string redacted, except identifier fields."""
    if isinstance(value, str):
        return value if key in _KEEP_KEYS else redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(item, key) for item in value]
    return value


def redact_event(data: dict) -> dict:
    """A serialised Rasa event (Event.as_dict()) with citizens' personal data masked."""
    return redact_value(data)

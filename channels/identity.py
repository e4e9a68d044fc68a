"""Pseudonymous conversation ids for channels that identify citizens by phone number.

The tracker store keeps a keyed hash (HMAC-SHA256 with PHONE_HASH_KEY) of the number
instead of the number itself, so the conversation logs staff read do not expose it.
The same number always gives the same id (the conversation continues); without the
key the id cannot be turned back into the number, not even by trying every number.
"""

from __future__ import annotations

import hashlib
import hmac
import re

MIN_KEY_CHARS = 16
_PHONE_PUNCTUATION = re.compile(r"[\s().\-+]")


def canonical_address(address: str) -> str:
    """The form that is hashed: "tel:<digits>" for a phone number, "id:<value>" otherwise.

    "whatsapp:+51 987-654-321", "+51987654321" and "51987654321" are the same number.
    """
    value = address.strip()
    if value.lower().startswith("whatsapp:"):
        value = value[len("whatsapp:") :]
    digits = _PHONE_PUNCTUATION.sub("", value)
    if digits.isdigit() and digits.isascii():
        return f"tel:{digits}"
    return f"id:{value}"


def conversation_id(key: str, address: str, prefix: str) -> str:
    """`prefix` + the first 128 bits of HMAC-SHA256(key, canonical address), in hex."""
    if not key:
        raise ValueError("A key is required to pseudonymise a phone number")
    digest = hmac.new(key.encode("utf-8"), canonical_address(address).encode("utf-8"), hashlib.sha256)
    return f"{prefix}{digest.hexdigest()[:32]}"


def key_problem(key: str) -> str:
    """Why `key` cannot be used (empty string when it can)."""
    if not key:
        return "PHONE_HASH_KEY no está definido"
    if len(key) < MIN_KEY_CHARS:
        return f"PHONE_HASH_KEY es demasiado corto (mínimo {MIN_KEY_CHARS} caracteres)"
    return ""

"""Reading a delivery from Meta: its signature, and the messages in it as typed values.

`parse_delivery` turns the JSON Meta posts (entry[].changes[].value.messages[]) into a
`Delivery`: each message to answer as a `DeliveredMessage` (Meta's message id and an
`Inbound`), plus how many status receipts and ignored messages it carried. What the
citizen sends becomes what the assistant reads: text as it is, a reply button or list
choice as the payload of the bot button it came from. Other types are `UNSUPPORTED`
(they get a polite reply); reactions and system notices are not answered at all.
Nothing in a delivery makes it raise: anything unexpected is skipped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Dict, List, NamedTuple, Optional

from channels.identity import conversation_id
from channels.whatsapp.formatting import MAX_TEXT_CHARS

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_MESSAGE_CHARS = MAX_TEXT_CHARS  # WhatsApp's own limit for a text message
CONVERSATION_PREFIX = "wa-"
# Not messages to answer: a reaction (emoji on a message), a system notice (number
# changed), the "welcome" request when a chat is opened.
SILENT_TYPES = frozenset({"reaction", "system", "request_welcome", "ephemeral"})


class Kind(str, Enum):
    """What a message is, for the channel: text for the assistant, or a fixed reply."""

    TEXT = "text"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNSUPPORTED = "unsupported"


def signature_is_valid(app_secret: str, body: bytes, header: Optional[str]) -> bool:
    """`header` is "sha256=" + hex HMAC-SHA256(app secret, raw body), compared in constant time."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    given = header[len("sha256=") :].strip().lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace"))


@dataclass(frozen=True)
class Inbound:
    """One message to answer: where the answer goes and what the assistant reads.

    Kept as JSON (`to_json`) in the channel's store until it is answered.
    """

    conversation_id: str
    kind: Kind
    text: str = ""
    to: Optional[str] = None  # phone number (preferred by Meta)
    recipient: Optional[str] = None  # business-scoped user id, when there is no number

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))  # also from JSON; ValueError for an unknown kind

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> "Inbound":
        return cls(**json.loads(raw))


class DeliveredMessage(NamedTuple):
    message_id: str  # Meta's id ("wamid..."), which a redelivery repeats
    inbound: Inbound


@dataclass
class Delivery:
    messages: List[DeliveredMessage] = field(default_factory=list)
    statuses: int = 0
    ignored: int = 0


def _dicts(value: Any) -> List[Dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _string(value: Any) -> Optional[str]:
    return value.strip() if isinstance(value, str) and value.strip() else None


def message_text(message: Dict[str, Any]) -> Optional[str]:
    """What the assistant should read for `message`; None for a type it cannot read."""
    kind = message.get("type")
    if kind == "text":
        body = (message.get("text") or {}).get("body") if isinstance(message.get("text"), dict) else None
        return body if isinstance(body, str) else ""
    if kind == "interactive" and isinstance(message.get("interactive"), dict):
        interactive = message["interactive"]
        choice = interactive.get("type")
        reply = interactive.get(choice) if choice in ("button_reply", "list_reply") else None
        if isinstance(reply, dict):  # the id is the payload of the bot button
            return _string(reply.get("id")) or _string(reply.get("title")) or ""
        return None  # flows, product orders...
    if kind == "button" and isinstance(message.get("button"), dict):  # quick reply of a template
        return _string(message["button"].get("payload")) or _string(message["button"].get("text")) or ""
    return None


def parse_delivery(data: Dict[str, Any], phone_number_id: str, hash_key: str) -> Delivery:
    """The messages in a (signed) delivery, in order. Anything unexpected is skipped, never raised."""
    delivery = Delivery()
    if data.get("object") not in (None, "whatsapp_business_account"):
        return delivery
    for entry in _dicts(data.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") not in (None, "messages") or not isinstance(value, dict):
                continue
            delivery.statuses += len(_dicts(value.get("statuses")))
            metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
            receiver = _string(metadata.get("phone_number_id"))
            if receiver and receiver != phone_number_id:
                logger.warning("Skipping messages sent to another WhatsApp number (id %s)", receiver)
                delivery.ignored += len(_dicts(value.get("messages")))
                continue
            contacts = _dicts(value.get("contacts"))
            for message in _dicts(value.get("messages")):
                parsed = parse_message(message, contacts, hash_key)
                if parsed is None:
                    delivery.ignored += 1
                else:
                    delivery.messages.append(parsed)
    return delivery


def parse_message(message: Dict[str, Any], contacts: List[Dict[str, Any]], hash_key: str) -> Optional[DeliveredMessage]:
    """One message of a delivery; None for one that is not answered (no id, no sender, silent type)."""
    message_id = _string(message.get("id"))
    phone = _string(message.get("from"))
    user_id = _string(message.get("from_user_id"))
    if not user_id:  # business-scoped user id, from the matching contact
        matching = [c for c in contacts if phone and c.get("wa_id") == phone] or (
            contacts if len(contacts) == 1 else []
        )
        user_id = _string(matching[0].get("user_id")) if matching else None
    if not message_id or not (phone or user_id) or message.get("type") in SILENT_TYPES:
        return None
    # The business-scoped id is stable even if the citizen later hides the number.
    conversation = conversation_id(hash_key, user_id or phone, CONVERSATION_PREFIX)
    text = message_text(message)
    if text is None:
        kind, text = Kind.UNSUPPORTED, ""
    elif not text.strip():
        kind, text = Kind.EMPTY, ""
    elif len(text) > MAX_MESSAGE_CHARS:
        kind, text = Kind.TOO_LONG, ""
    else:
        kind = Kind.TEXT
    inbound = Inbound(conversation, kind, text, to=phone, recipient=None if phone else user_id)
    return DeliveredMessage(message_id, inbound)

"""Meta's webhook deliveries, in the shapes the WhatsApp Cloud API documents, signed like
Meta signs them, and a citizen who sends them to a running webhook.

Shapes: the messages webhook reference (text, interactive button_reply / list_reply,
image, audio, location, sticker messages; statuses), with the business-scoped user id
(`from_user_id`, `contacts[].user_id`) Meta has added since 2026.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import time
from typing import Any, Dict, List, Optional, Sequence, Union

import requests
from sqlalchemy import update
from sqlalchemy.orm import Session

from channels.whatsapp.store import DONE, SeenMessage, WhatsAppStore, message_key, utcnow
from tests.graph_api import TEST_APP_SECRET, TEST_PHONE_NUMBER_ID, GraphApiStandIn

WABA_ID = "102290129340398"
DISPLAY_PHONE_NUMBER = "15550783881"

Message = Dict[str, Any]


def random_phone() -> str:
    """A Peruvian mobile number as WhatsApp writes it (country code, no +)."""
    return "519" + "".join(random.choice("0123456789") for _ in range(8))


def wamid() -> str:
    return "wamid." + base64.b64encode(os.urandom(30)).decode("ascii")


def _base(phone: str, kind: str, message_id: Optional[str], user_id: Optional[str]) -> Message:
    message = {"from": phone, "id": message_id or wamid(), "timestamp": str(int(time.time())), "type": kind}
    if user_id:
        message["from_user_id"] = user_id
    return message


def text_message(phone: str, body: str, message_id: Optional[str] = None, user_id: Optional[str] = None) -> Message:
    return {**_base(phone, "text", message_id, user_id), "text": {"body": body}}


def button_reply(phone: str, button_id: str, title: str, message_id: Optional[str] = None) -> Message:
    return {
        "context": {"from": DISPLAY_PHONE_NUMBER, "id": wamid()},
        **_base(phone, "interactive", message_id, None),
        "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
    }


def list_reply(phone: str, row_id: str, title: str, message_id: Optional[str] = None) -> Message:
    return {
        "context": {"from": DISPLAY_PHONE_NUMBER, "id": wamid()},
        **_base(phone, "interactive", message_id, None),
        "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title, "description": ""}},
    }


def _media(kind: str, mime_type: str, **extra: Any) -> Dict[str, Any]:
    return {"mime_type": mime_type, "sha256": hashlib.sha256(os.urandom(8)).hexdigest(),
            "id": str(random.randint(10**15, 10**16)), **extra}


def image_message(phone: str, caption: Optional[str] = None) -> Message:
    image = _media("image", "image/jpeg", **({"caption": caption} if caption else {}))
    return {**_base(phone, "image", None, None), "image": image}


def audio_message(phone: str) -> Message:
    return {**_base(phone, "audio", None, None), "audio": _media("audio", "audio/ogg; codecs=opus", voice=True)}


def sticker_message(phone: str) -> Message:
    return {**_base(phone, "sticker", None, None), "sticker": _media("sticker", "image/webp", animated=False)}


def location_message(phone: str) -> Message:
    location = {"latitude": -12.0464, "longitude": -77.0428, "name": "Plaza Mayor", "address": "Lima, Perú"}
    return {**_base(phone, "location", None, None), "location": location}


def reaction_message(phone: str, to_message: str) -> Message:
    return {**_base(phone, "reaction", None, None), "reaction": {"message_id": to_message, "emoji": "\U0001F44D"}}


def status(phone: str, message_id: str, state: str = "delivered") -> Dict[str, Any]:
    return {
        "id": message_id, "status": state, "timestamp": str(int(time.time())), "recipient_id": phone,
        "pricing": {"billable": True, "pricing_model": "PMP", "category": "service", "type": "free_customer_service"},
    }


def delivery(messages: Sequence[Message] = (), statuses: Sequence[Dict[str, Any]] = (),
             phone_number_id: str = TEST_PHONE_NUMBER_ID) -> Dict[str, Any]:
    """A messages webhook delivery; contacts are listed for the senders, as Meta does."""
    value: Dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": phone_number_id},
    }
    if messages:
        senders = {m["from"]: m.get("from_user_id") for m in messages}
        value["contacts"] = [
            {"profile": {"name": "Ciudadana de Prueba"}, "wa_id": phone, **({"user_id": uid} if uid else {})}
            for phone, uid in senders.items()
        ]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}]}


def sign(body: bytes, secret: str = TEST_APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def reply_text(message: Dict[str, Any]) -> str:
    """What a citizen reads in a message the channel sent."""
    if message.get("type") == "text":
        return message["text"]["body"]
    if message.get("type") == "interactive":
        return message["interactive"]["body"]["text"]
    return ""


VALID = object()


class WhatsAppCitizen:
    """One citizen writing to a running WhatsApp webhook; the replies are read from the
    Graph API stand-in."""

    def __init__(self, webhook_url: str, graph: GraphApiStandIn, db_url: str, phone: Optional[str] = None) -> None:
        self.webhook_url = webhook_url
        self.graph = graph
        self.store = WhatsAppStore(db_url)
        self.phone = phone or random_phone()

    def post(self, body: Union[Dict[str, Any], bytes], signature: Any = VALID) -> requests.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if signature is VALID:
            headers["X-Hub-Signature-256"] = sign(raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return requests.post(self.webhook_url, data=raw, headers=headers, timeout=30)

    def send(self, *messages: Message) -> requests.Response:
        return self.post(delivery(messages))

    def answered(self, message_id: str) -> bool:
        return self.store.state(message_key(message_id)) == DONE

    def wait_answered(self, *message_ids: str, timeout: float = 90) -> None:
        done = self.graph.wait_for(lambda: all(self.answered(m) for m in message_ids), timeout)
        assert done, f"no answer within {timeout:.0f} s"

    def replies(self) -> List[Dict[str, Any]]:
        return self.graph.delivered_to(self.phone)

    def say(self, message: Union[str, Message]) -> List[Dict[str, Any]]:
        """Send one message and return the replies it got once it has been answered."""
        if isinstance(message, str):
            message = text_message(self.phone, message)
        before = len(self.replies())
        response = self.send(message)
        assert response.status_code == 200, response.text
        self.wait_answered(message["id"])
        return self.replies()[before:]

    def reply_text(self, message: Union[str, Message]) -> str:
        return "\n\n".join(reply_text(m) for m in self.say(message))


def backdate_claim(store: WhatsAppStore, key: str, ago: dt.timedelta = dt.timedelta(hours=1)) -> None:
    """Make a claimed message look as if a process took it `ago` and then stopped."""
    with Session(store.engine) as session, session.begin():
        session.execute(update(SeenMessage).where(SeenMessage.key == key).values(claimed_at=utcnow() - ago))

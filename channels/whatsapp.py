"""WhatsApp through Meta's Cloud API (GET/POST /webhooks/whatsapp/webhook).

  GET   the subscription handshake: the challenge comes back when hub.verify_token
        matches WHATSAPP_VERIFY_TOKEN, 403 otherwise.
  POST  a delivery from Meta. The X-Hub-Signature-256 header must be "sha256=" + the
        HMAC-SHA256 of the raw body with the app secret (compared in constant time):
        otherwise 403 and nothing reaches the assistant. Malformed JSON gets 400. Every
        message in entry[].changes[].value.messages[] is recorded (its id, as a digest)
        before the answer, and the answer is 200 at once; the conversation runs in the
        background. A message id seen before (Meta redelivers) is not answered again,
        even after a restart. Status receipts (statuses[]) are skipped.

What the citizen sends becomes what the assistant understands: text as it is, a reply
button or list choice as the payload of the bot button it came from, the number of a
numbered menu as that option. Images, audio, locations, stickers... get a polite
Spanish reply that only text is understood.

The conversation id is a keyed hash of the sender (channels/identity.py): the tracker
store never sees the phone number. The channel answers through an output channel that
holds the number for the message being answered, and keeps it in its own table only
until that message is answered (see channels/whatsapp_store.py).

Not configured (empty WHATSAPP_* variables or PHONE_HASH_KEY) the webhook answers 503.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import EMPTY_MESSAGE, ONLY_TEXT, handle_message
from channels.identity import conversation_id, key_problem
from channels.whatsapp_format import (
    MAX_TEXT_CHARS,
    Rendered,
    option_for_reply,
    options_from_buttons,
    render_numbered,
    render_text,
    render_with_buttons,
)
from channels.whatsapp_graph import DEFAULT_API_BASE_URL, GraphClient, SendError
from channels.whatsapp_store import WhatsAppStore, default_db_url, message_key

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 3 * 1024 * 1024  # Meta's deliveries stay well below this
MAX_MESSAGE_CHARS = MAX_TEXT_CHARS  # WhatsApp's own limit for a text message
MAX_CHALLENGE_CHARS = 256
CONVERSATION_PREFIX = "wa-"

TOO_LONG = (
    f"Su mensaje es demasiado largo para mí. Por favor, escriba su consulta en menos de "
    f"{MAX_MESSAGE_CHARS} caracteres."
)

TEXT, EMPTY, TOO_LONG_KIND, UNSUPPORTED = "text", "empty", "too_long", "unsupported"
FIXED_REPLIES = {EMPTY: EMPTY_MESSAGE, TOO_LONG_KIND: TOO_LONG, UNSUPPORTED: ONLY_TEXT}
# Not messages to answer: a reaction (emoji on a message), a system notice (number
# changed), the "welcome" request when a chat is opened.
SILENT_TYPES = frozenset({"reaction", "system", "request_welcome", "ephemeral"})


# --- configuration ----------------------------------------------------------------------

@dataclass(frozen=True)
class WhatsAppConfig:
    verify_token: str = ""
    app_secret: str = ""
    access_token: str = ""
    phone_number_id: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    phone_hash_key: str = ""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WhatsAppConfig":
        values = {k: str(v).strip() for k, v in (credentials or {}).items() if v is not None}
        return cls(
            verify_token=values.get("verify_token", ""),
            app_secret=values.get("app_secret", ""),
            access_token=values.get("access_token", ""),
            phone_number_id=values.get("phone_number_id", ""),
            api_base_url=values.get("api_base_url") or DEFAULT_API_BASE_URL,
            phone_hash_key=values.get("phone_hash_key", ""),
        )

    def problems(self) -> List[str]:
        """What is missing to receive and answer messages (empty list: ready)."""
        missing = [name for name, value in (
            ("WHATSAPP_APP_SECRET", self.app_secret),
            ("WHATSAPP_ACCESS_TOKEN", self.access_token),
            ("WHATSAPP_PHONE_NUMBER_ID", self.phone_number_id),
        ) if not value]
        problems = [f"{name} no está definido" for name in missing]
        if (problem := key_problem(self.phone_hash_key)):
            problems.append(problem)
        return problems


# --- reading a delivery -----------------------------------------------------------------

def signature_is_valid(app_secret: str, body: bytes, header: Optional[str]) -> bool:
    """`header` is "sha256=" + hex HMAC-SHA256(app secret, raw body)."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    given = header[len("sha256="):].strip().lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace"))


@dataclass(frozen=True)
class Inbound:
    """One message to answer: where the answer goes and what the assistant reads."""

    conversation_id: str
    kind: str
    text: str = ""
    to: Optional[str] = None  # phone number (preferred by Meta)
    recipient: Optional[str] = None  # business-scoped user id, when there is no number

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> "Inbound":
        return cls(**json.loads(raw))


@dataclass
class Delivery:
    messages: List[tuple] = field(default_factory=list)  # (WhatsApp message id, Inbound)
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


def parse_message(message: Dict[str, Any], contacts: List[Dict[str, Any]], hash_key: str) -> Optional[tuple]:
    message_id = _string(message.get("id"))
    phone = _string(message.get("from"))
    user_id = _string(message.get("from_user_id"))
    if not user_id:  # business-scoped user id, from the matching contact
        matching = [c for c in contacts if phone and c.get("wa_id") == phone] or (contacts if len(contacts) == 1 else [])
        user_id = _string(matching[0].get("user_id")) if matching else None
    if not message_id or not (phone or user_id) or message.get("type") in SILENT_TYPES:
        return None
    # The business-scoped id is stable even if the citizen later hides the number.
    conversation = conversation_id(hash_key, user_id or phone, CONVERSATION_PREFIX)
    text = message_text(message)
    if text is None:
        kind, text = UNSUPPORTED, ""
    elif not text.strip():
        kind, text = EMPTY, ""
    elif len(text) > MAX_MESSAGE_CHARS:
        kind, text = TOO_LONG_KIND, ""
    else:
        kind = TEXT
    return message_id, Inbound(conversation, kind, text, to=phone, recipient=None if phone else user_id)


# --- answering --------------------------------------------------------------------------

class WhatsAppOutput(OutputChannel):
    """Sends the assistant's replies to one citizen (the one whose message is answered)."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(self, client: GraphClient, to: Optional[str] = None, recipient: Optional[str] = None) -> None:
        self.client = client
        self.destination = {"to": to} if to else {"recipient": recipient}
        self.numbered_options: Optional[List[str]] = None

    async def send(self, content: Dict[str, Any]) -> Optional[SendError]:
        message = {"messaging_product": "whatsapp", "recipient_type": "individual", **self.destination, **content}
        try:
            await asyncio.to_thread(self.client.send, message)
        except SendError as error:
            logger.error("A WhatsApp %s message was not sent: %s", content.get("type"), error)
            return error
        return None

    async def send_rendered(self, rendered: Rendered) -> None:
        for content in rendered.messages:
            await self.send(content)
        if rendered.numbered_options:
            self.numbered_options = rendered.numbered_options

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_rendered(render_text(text))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        rendered = render_with_buttons(text or "", buttons)
        for content in rendered.messages:
            error = await self.send(content)
            if error and content["type"] == "interactive" and error.status and 400 <= error.status < 500 \
                    and error.status != 429:
                # Meta refused the interactive form: offer the same options as numbered text.
                body = content["interactive"]["body"]["text"]
                await self.send_rendered(render_numbered(body, options_from_buttons(buttons)))
        if rendered.numbered_options:
            self.numbered_options = rendered.numbered_options

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send({"type": "image", "image": {"link": image}})

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self.send_rendered(render_text(str(attachment)))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """A custom payload {"whatsapp": {"type": ..., <type>: {...}}} is sent as it is."""
        content = json_message.get("whatsapp", json_message) if isinstance(json_message, dict) else None
        if isinstance(content, dict) and isinstance(content.get("type"), str) and content["type"] in content:
            await self.send(content)
        else:
            logger.warning("Ignoring a custom payload that is not a WhatsApp message")


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it. Messages of a
    conversation are answered one at a time, in the order they arrived."""

    def __init__(self) -> None:
        self._locks: Dict[str, asyncio.Lock] = {}
        self._users: Counter = Counter()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                self._locks.pop(key, None)


class WhatsAppInput(InputChannel):
    """The WhatsApp Cloud API channel (credentials.yml: channels.whatsapp.WhatsAppInput)."""

    # An unanswered message claimed this long ago is taken over (its process stopped).
    PENDING_LEASE_SECONDS = 600
    SWEEP_INTERVAL_SECONDS = 60

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(WhatsAppConfig.from_credentials(credentials))

    def __init__(self, config: WhatsAppConfig, store: Optional[WhatsAppStore] = None,
                 client: Optional[GraphClient] = None) -> None:
        self.config = config
        self.store = store or WhatsAppStore(default_db_url())
        self.client = client or GraphClient(config.access_token, config.phone_number_id, config.api_base_url)
        self._tasks: Set[asyncio.Task] = set()
        self._in_flight: Set[str] = set()
        self._locks = KeyedLocks()
        self._sweeper: Optional[asyncio.Task] = None
        self.problems = config.problems()  # the configuration is frozen: checked once
        if self.problems:
            logger.warning("WhatsApp channel not configured (answers 503): %s", "; ".join(self.problems))

    # --- background work ------------------------------------------------------------

    def schedule(self, key: str, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self._in_flight.add(key)
        task = asyncio.get_running_loop().create_task(self.process(key, inbound, on_new_message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def process(self, key: str, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        try:
            async with self._locks.hold(inbound.conversation_id):
                await self.answer(inbound, on_new_message)
        except Exception:
            logger.exception("Answering a WhatsApp message of %s failed", inbound.conversation_id)
        finally:
            try:
                await asyncio.to_thread(self.store.complete, key)
            except Exception:
                logger.exception("Could not record a WhatsApp message as answered")
            self._in_flight.discard(key)

    async def answer(self, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        output = WhatsAppOutput(self.client, inbound.to, inbound.recipient)
        if inbound.kind != TEXT:
            await output.send_text_message(inbound.conversation_id, FIXED_REPLIES[inbound.kind])
            return
        text = inbound.text
        try:
            options = await asyncio.to_thread(self.store.pop_menu, inbound.conversation_id)
        except Exception:
            logger.exception("Could not read the last numbered menu of %s", inbound.conversation_id)
            options = None
        text = option_for_reply(text, options) or text
        await handle_message(
            on_new_message, UserMessage(text, output, inbound.conversation_id, input_channel=self.name())
        )
        if output.numbered_options:
            try:
                await asyncio.to_thread(self.store.save_menu, inbound.conversation_id, output.numbered_options)
            except Exception:
                logger.exception("Could not keep the numbered menu of %s", inbound.conversation_id)

    async def recover(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> int:
        """Answer the messages a stopped process had accepted but not answered."""
        taken = await asyncio.to_thread(
            self.store.reclaim_stale, dt.timedelta(seconds=self.PENDING_LEASE_SECONDS)
        )
        resumed = 0
        for key, payload in taken:
            if key in self._in_flight:
                continue
            try:
                inbound = Inbound.from_json(payload)
            except (ValueError, TypeError):
                logger.error("Dropping an unreadable pending WhatsApp message")
                await asyncio.to_thread(self.store.complete, key)
                continue
            logger.info("Answering a WhatsApp message accepted before a restart (%s)", inbound.conversation_id)
            self.schedule(key, inbound, on_new_message)
            resumed += 1
        return resumed

    async def sweep_forever(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        while True:
            try:
                await self.recover(on_new_message)
                await asyncio.to_thread(self.store.purge_expired)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("WhatsApp housekeeping failed; trying again later")
            await asyncio.sleep(self.SWEEP_INTERVAL_SECONDS)

    async def drain(self, timeout: float = 15) -> None:
        """Let the conversations in progress finish (on shutdown)."""
        if self._sweeper:
            self._sweeper.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    # --- HTTP -------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)

        @webhook.listener("after_server_start")
        async def start_housekeeping(app: Any, loop: Any) -> None:
            if not self.problems:
                self._sweeper = asyncio.get_running_loop().create_task(self.sweep_forever(on_new_message))

        @webhook.listener("before_server_stop")
        async def finish(app: Any, loop: Any) -> None:
            await self.drain()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if not self.problems else "sin configurar"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.config.verify_token:
                return response.json({"error": "El canal de WhatsApp no está configurado."}, status=503)
            mode = request.args.get("hub.mode")
            token = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            token_ok = hmac.compare_digest(token.encode("utf-8"), self.config.verify_token.encode("utf-8"))
            if mode == "subscribe" and token_ok and challenge and len(challenge) <= MAX_CHALLENGE_CHARS:
                return response.text(challenge)
            logger.warning("Rejected a WhatsApp webhook verification with a wrong token or mode")
            return response.json({"error": "Verificación rechazada."}, status=403)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.problems:
                return response.json({"error": "El canal de WhatsApp no está configurado."}, status=503)
            body = request.body or b""
            if len(body) > MAX_BODY_BYTES:
                return response.json({"error": "La solicitud es demasiado grande."}, status=413)
            if not signature_is_valid(self.config.app_secret, body, request.headers.get(SIGNATURE_HEADER)):
                logger.warning("Rejected a WhatsApp webhook with a missing or wrong signature")
                return response.json({"error": "Firma ausente o inválida."}, status=403)
            try:
                data = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return response.json({"error": "El cuerpo debe ser JSON en UTF-8."}, status=400)
            if not isinstance(data, dict):
                return response.json({"error": "El cuerpo debe ser un objeto JSON."}, status=400)

            delivery = parse_delivery(data, self.config.phone_number_id, self.config.phone_hash_key)
            accepted = duplicates = 0
            for message_id, inbound in delivery.messages:
                key = message_key(message_id)
                try:
                    claimed = await asyncio.to_thread(self.store.claim, key, inbound.to_json())
                except Exception:
                    # Not 200: Meta delivers again later; what was accepted is not repeated.
                    logger.exception("Could not record a WhatsApp message; Meta will redeliver it")
                    return response.json({"error": "No se pudo registrar el mensaje."}, status=500)
                if claimed:
                    accepted += 1
                    self.schedule(key, inbound, on_new_message)
                else:
                    duplicates += 1
            return response.json({"accepted": accepted, "duplicates": duplicates,
                                  "statuses": delivery.statuses, "ignored": delivery.ignored})

        return webhook

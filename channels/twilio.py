"""Twilio (WhatsApp or SMS through Twilio): POST /webhooks/twilio/webhook.

Rasa's built-in Twilio channel accepts any request (it never checks X-Twilio-Signature)
and rewrites "¡" as "@" in what citizens write. This one:
  - validates X-Twilio-Signature with the `twilio` package's RequestValidator and the
    account's auth token (403 otherwise, and nothing reaches the assistant); the URL
    signed is TWILIO_WEBHOOK_URL, the public URL configured in Twilio (needed behind a
    proxy), or the URL the request arrived at;
  - passes the text untouched;
  - files the conversation under a keyed hash of the number (channels/identity.py);
  - answers in the HTTP response, as TwiML <Message>s (no outgoing API call, so only the
    auth token is needed); text over 1600 characters (Twilio's limit) is split, bot
    buttons are listed under the text.
Media or locations get a polite reply that only text is understood. Not configured
(TWILIO_AUTH_TOKEN or PHONE_HASH_KEY empty) it answers 503.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text
from urllib.parse import parse_qs

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from channels.common import EMPTY_MESSAGE, ONLY_TEXT, handle_message
from channels.identity import conversation_id, key_problem
from channels.signed_webhook import OnNewMessage, SignedWebhookInput
from channels.whatsapp.formatting import options_from_buttons, split_text

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_REPLY_CHARS = 1600  # Twilio's limit for one message body
MAX_MESSAGE_CHARS = MAX_REPLY_CHARS  # and for what a citizen sends
CONVERSATION_PREFIX = "tw-"
OPTIONS_PROMPT = "Escriba el tema que le interesa."
TOO_LONG = f"Su mensaje es demasiado largo. Por favor, escriba su consulta en menos de {MAX_MESSAGE_CHARS} caracteres."


@dataclass(frozen=True)
class TwilioConfig:
    auth_token: str = ""
    webhook_url: str = ""
    phone_hash_key: str = ""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TwilioConfig":
        values = {k: str(v).strip() for k, v in (credentials or {}).items() if v is not None}
        return cls(values.get("auth_token", ""), values.get("webhook_url", ""), values.get("phone_hash_key", ""))

    def problems(self) -> List[str]:
        problems = [] if self.auth_token else ["TWILIO_AUTH_TOKEN no está definido"]
        if problem := key_problem(self.phone_hash_key):
            problems.append(problem)
        return problems


class TwilioCollector(CollectingOutputChannel):
    """Collects the replies for the TwiML answer, a bot message each (Rasa's collector
    would cut every paragraph into a message of its own)."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        lines = "\n".join(f"• {option.title}" for option in options_from_buttons(buttons))
        parts = [part for part in ((text or "").strip(), lines, OPTIONS_PROMPT if lines else "") if part]
        await self.send_text_message(recipient_id, "\n\n".join(parts))


def read_form(request: Request) -> RequestParameters:
    """The posted form with its empty fields (Twilio signs "Body=" of a photo without
    caption too; Sanic's request.form drops empty values)."""
    if "application/x-www-form-urlencoded" not in (request.content_type or ""):
        return RequestParameters()
    body = (request.body or b"").decode("utf-8", "replace")
    return RequestParameters(parse_qs(body, keep_blank_values=True))


def twiml(texts: List[str]) -> str:
    reply = MessagingResponse()
    for text in texts:
        for piece in split_text(text, MAX_REPLY_CHARS):
            reply.message(piece)
    return str(reply)


class TwilioInput(SignedWebhookInput):
    """credentials.yml: channels.twilio.TwilioInput (auth_token, webhook_url, phone_hash_key)."""

    LABEL = "Twilio"
    BLUEPRINT_NAME = "fixed_twilio_webhook"
    MAX_BODY_BYTES = 64 * 1024

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(TwilioConfig.from_credentials(credentials))

    def __init__(self, config: TwilioConfig) -> None:
        super().__init__(config.problems())
        self.config = config
        self.validator = RequestValidator(config.auth_token) if config.auth_token else None

    def signature_is_valid(self, request: Request) -> bool:
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature or self.validator is None:
            return False
        url = self.config.webhook_url or request.url
        return self.validator.validate(url, read_form(request), signature)

    async def handle(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        form = read_form(request)
        sender = (form.get("From") or "").strip()
        if not sender:
            return response.json({"error": "Falta el remitente ('From')."}, status=400)
        text = form.get("Body") or ""
        conversation = conversation_id(self.config.phone_hash_key, sender, CONVERSATION_PREFIX)
        collector = TwilioCollector()
        has_media = (form.get("NumMedia") or "0").strip() not in ("", "0")
        has_location = bool(form.get("Latitude") and form.get("Longitude"))
        if text.strip() and len(text) > MAX_MESSAGE_CHARS:
            await collector.send_text_message(conversation, TOO_LONG)
        elif text.strip():
            await handle_message(on_new_message, UserMessage(text, collector, conversation, input_channel=self.name()))
            if has_media:
                await collector.send_text_message(conversation, ONLY_TEXT)
        elif has_media or has_location:
            await collector.send_text_message(conversation, ONLY_TEXT)
        else:
            await collector.send_text_message(conversation, EMPTY_MESSAGE)
        texts = [m.get("text") or m.get("image") or "" for m in collector.messages]
        return response.text(twiml([t for t in texts if t]), content_type="text/xml; charset=utf-8")

"""The REST channel with its input checked (POST /webhooks/rest/webhook).

Rasa's own RestInput answers 500 to an empty body or a JSON array, and files every
request without a sender under one shared "default" conversation. This one answers
400 with a Spanish explanation to anything malformed, 413 to oversized input, a
polite reply to an empty message, and always records the channel as "rest".
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import EMPTY_MESSAGE, clean_text, handle_message, valid_sender_id

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 5000
MAX_SENDER_CHARS = 128  # SENDER_ID_PATTERN
MAX_METADATA_BYTES = 8 * 1024


class InvalidRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class RestMessage:
    sender: str
    text: str
    metadata: Optional[Dict[str, Any]]


def parse_body(body: bytes) -> RestMessage:
    """Validate a webhook body; InvalidRequest says, in Spanish, what is wrong."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidRequest(413, f"La solicitud es demasiado grande (máximo {MAX_BODY_BYTES} bytes).")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest(
            400, 'El cuerpo debe ser JSON en UTF-8, por ejemplo {"sender": "id", "message": "hola"}.'
        ) from None
    if not isinstance(data, dict):
        raise InvalidRequest(400, "El cuerpo debe ser un objeto JSON con 'sender' y 'message'.")
    sender = data.get("sender")
    if isinstance(sender, str):
        sender = sender.strip()
    if not valid_sender_id(sender):
        raise InvalidRequest(
            400,
            f"'sender' debe ser un texto no vacío de hasta {MAX_SENDER_CHARS} caracteres: letras sin tilde, "
            "dígitos y . _ : @ + = - (empezando por letra o dígito).",
        )
    text = data.get("message")
    if not isinstance(text, str):
        raise InvalidRequest(400, "'message' debe ser un texto.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidRequest(413, f"El mensaje es demasiado largo (máximo {MAX_MESSAGE_CHARS} caracteres).")
    metadata = data.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict) or len(json.dumps(metadata)) > MAX_METADATA_BYTES:
            raise InvalidRequest(400, f"'metadata' debe ser un objeto JSON de hasta {MAX_METADATA_BYTES} bytes.")
    return RestMessage(sender, clean_text(text), metadata)


class ValidatedRestInput(RestInput):
    """RestInput that validates its input and never leaves a citizen without a reply."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("validated_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                message = parse_body(request.body or b"")
            except InvalidRequest as error:
                return response.json({"error": error.message}, status=error.status)
            if not message.text.strip():
                return response.json([{"recipient_id": message.sender, "text": EMPTY_MESSAGE}])
            collector = CollectingOutputChannel()
            await handle_message(
                on_new_message,
                UserMessage(
                    message.text, collector, message.sender, input_channel=self.name(), metadata=message.metadata
                ),
            )
            return response.json(collector.messages)

        return webhook

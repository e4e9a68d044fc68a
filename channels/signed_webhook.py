"""What the channels whose provider signs each request share (WhatsApp, Twilio).

A `SignedWebhookInput` serves, under /webhooks/<name>/:

  GET  /          health: {"status": "ok"}, or "sin configurar" while something is missing
  POST /webhook   a delivery from the provider, checked in this order:
                    503 while something the channel needs is missing (`problems`),
                    413 when the body is larger than MAX_BODY_BYTES,
                    403 when the provider's signature is missing or wrong (logged),
                  then handed to `handle`, which answers.

A subclass gives LABEL (the provider's name in messages and logs), MAX_BODY_BYTES,
BLUEPRINT_NAME, `signature_is_valid(request)` and `handle(request, on_new_message)`, and
may add routes or listeners in `extend(webhook, on_new_message)`. Its configuration is
frozen: `problems` is computed once, when the channel is created.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, List

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class SignedWebhookInput(InputChannel):
    LABEL = ""
    BLUEPRINT_NAME = ""
    MAX_BODY_BYTES = 64 * 1024

    def __init__(self, problems: List[str]) -> None:
        self.problems = problems
        if problems:
            logger.warning("%s channel not configured (answers 503): %s", self.LABEL, "; ".join(problems))

    def signature_is_valid(self, request: Request) -> bool:
        raise NotImplementedError

    async def handle(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """Answer a delivery that passed the checks."""
        raise NotImplementedError

    def extend(self, webhook: Blueprint, on_new_message: OnNewMessage) -> None:
        """Add the provider's own routes or listeners to `webhook` (nothing by default)."""

    def not_configured(self) -> HTTPResponse:
        return response.json({"error": f"El canal de {self.LABEL} no está configurado."}, status=503)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(self.BLUEPRINT_NAME, __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if not self.problems else "sin configurar"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.problems:
                return self.not_configured()
            if len(request.body or b"") > self.MAX_BODY_BYTES:
                return response.json({"error": "La solicitud es demasiado grande."}, status=413)
            if not self.signature_is_valid(request):
                logger.warning("Rejected a %s webhook with a missing or wrong signature", self.LABEL)
                return response.json({"error": "Firma ausente o inválida."}, status=403)
            return await self.handle(request, on_new_message)

        self.extend(webhook, on_new_message)
        return webhook

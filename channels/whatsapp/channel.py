"""The WhatsApp Cloud API channel (credentials.yml: channels.whatsapp.WhatsAppInput).

  GET   /webhooks/whatsapp/webhook  the subscription handshake: the challenge comes back
        when hub.verify_token matches WHATSAPP_VERIFY_TOKEN, 403 otherwise.
  POST  /webhooks/whatsapp/webhook  a delivery from Meta, signed (channels.signed_webhook:
        503 unconfigured, 413 too large, 403 unsigned or forged). Malformed JSON gets 400.
        Every message is recorded (its id, as a digest) before the answer, and the answer
        is 200 at once; the conversation runs in the background. A message id seen before
        (Meta redelivers) is not answered again, even after a restart.

In the background, the messages of one conversation are answered one at a time, in the
order they arrived (channels.locks); a message accepted by a process that stopped before
answering it is taken over after PENDING_LEASE_SECONDS by the housekeeping task, which
also forgets expired message ids. On shutdown the conversations in progress finish.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
from typing import Any, Dict, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import EMPTY_MESSAGE, ONLY_TEXT, handle_message
from channels.locks import KeyedLocks
from channels.signed_webhook import OnNewMessage, SignedWebhookInput
from channels.whatsapp.config import WhatsAppConfig
from channels.whatsapp.formatting import option_for_reply
from channels.whatsapp.graph import GraphClient
from channels.whatsapp.output import WhatsAppOutput
from channels.whatsapp.parsing import (
    MAX_MESSAGE_CHARS,
    SIGNATURE_HEADER,
    Inbound,
    Kind,
    parse_delivery,
    signature_is_valid,
)
from channels.whatsapp.store import WhatsAppStore, default_db_url, message_key

logger = logging.getLogger(__name__)

MAX_CHALLENGE_CHARS = 256
TOO_LONG = (
    f"Su mensaje es demasiado largo para mí. Por favor, escriba su consulta en menos de {MAX_MESSAGE_CHARS} caracteres."
)
FIXED_REPLIES = {Kind.EMPTY: EMPTY_MESSAGE, Kind.TOO_LONG: TOO_LONG, Kind.UNSUPPORTED: ONLY_TEXT}


class WhatsAppInput(SignedWebhookInput):
    LABEL = "WhatsApp"
    BLUEPRINT_NAME = "whatsapp_webhook"
    MAX_BODY_BYTES = 3 * 1024 * 1024  # Meta's deliveries stay well below this

    # An unanswered message claimed this long ago is taken over (its process stopped).
    PENDING_LEASE_SECONDS = 600
    SWEEP_INTERVAL_SECONDS = 60

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(WhatsAppConfig.from_credentials(credentials))

    def __init__(
        self, config: WhatsAppConfig, store: Optional[WhatsAppStore] = None, client: Optional[GraphClient] = None
    ) -> None:
        super().__init__(config.problems())
        self.config = config
        self.store = store or WhatsAppStore(default_db_url())
        self.client = client or GraphClient(config.access_token, config.phone_number_id, config.api_base_url)
        self._tasks: Set[asyncio.Task] = set()
        self._in_flight: Set[str] = set()
        self._locks = KeyedLocks()
        self._sweeper: Optional[asyncio.Task] = None

    # --- background work ------------------------------------------------------------

    def schedule(self, key: str, inbound: Inbound, on_new_message: OnNewMessage) -> None:
        self._in_flight.add(key)
        task = asyncio.get_running_loop().create_task(self.process(key, inbound, on_new_message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def process(self, key: str, inbound: Inbound, on_new_message: OnNewMessage) -> None:
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

    async def answer(self, inbound: Inbound, on_new_message: OnNewMessage) -> None:
        output = WhatsAppOutput(self.client, inbound.to, inbound.recipient)
        if inbound.kind != Kind.TEXT:
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

    async def recover(self, on_new_message: OnNewMessage) -> int:
        """Answer the messages a stopped process had accepted but not answered."""
        taken = await asyncio.to_thread(self.store.reclaim_stale, dt.timedelta(seconds=self.PENDING_LEASE_SECONDS))
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

    async def sweep_forever(self, on_new_message: OnNewMessage) -> None:
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

    def signature_is_valid(self, request: Request) -> bool:
        return signature_is_valid(self.config.app_secret, request.body or b"", request.headers.get(SIGNATURE_HEADER))

    async def handle(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        try:
            data = json.loads((request.body or b"").decode("utf-8"))
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
        return response.json(
            {"accepted": accepted, "duplicates": duplicates, "statuses": delivery.statuses, "ignored": delivery.ignored}
        )

    def extend(self, webhook: Blueprint, on_new_message: OnNewMessage) -> None:
        @webhook.listener("after_server_start")
        async def start_housekeeping(app: Any, loop: Any) -> None:
            if not self.problems:
                self._sweeper = asyncio.get_running_loop().create_task(self.sweep_forever(on_new_message))

        @webhook.listener("before_server_stop")
        async def finish(app: Any, loop: Any) -> None:
            await self.drain()

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.config.verify_token:
                return self.not_configured()
            mode = request.args.get("hub.mode")
            token = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            token_ok = hmac.compare_digest(token.encode("utf-8"), self.config.verify_token.encode("utf-8"))
            if mode == "subscribe" and token_ok and challenge and len(challenge) <= MAX_CHALLENGE_CHARS:
                return response.text(challenge)
            logger.warning("Rejected a WhatsApp webhook verification with a wrong token or mode")
            return response.json({"error": "Verificación rechazada."}, status=403)

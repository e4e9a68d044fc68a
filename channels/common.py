"""What every channel shares: a citizen never gets silence.

If handling a message fails, or produces no reply at all (for example because the
action server is down), the citizen gets a short apology through the same channel.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Text

from rasa.core.channels.channel import OutputChannel, UserMessage

logger = logging.getLogger(__name__)

APOLOGY = (
    "Disculpe, en este momento no puedo responderle por un problema técnico. "
    "Por favor, intente nuevamente en unos minutos."
)
EMPTY_MESSAGE = "No recibí ningún texto. Por favor, escriba su consulta."
# WhatsApp (Meta or Twilio): an image, audio, location or sticker instead of text.
ONLY_TEXT = (
    "Por el momento solo puedo leer mensajes de texto. "
    "Por favor, escriba su consulta en un mensaje, sin imágenes, audios ni ubicaciones."
)


class TrackingOutput(OutputChannel):
    """Passes every bot message on to `inner` and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # the tracker records the real channel's name
        return self.inner.name()

    async def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.sent += 1
        await getattr(self.inner, method)(*args, **kwargs)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self._forward("send_response", recipient_id, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._forward("send_text_message", recipient_id, text, **kwargs)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self._forward("send_text_with_buttons", recipient_id, text, buttons, **kwargs)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._forward("send_custom_json", recipient_id, json_message, **kwargs)


async def handle_message(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> int:
    """Run `message` through the assistant; apologise if that fails or yields no reply.

    Returns the number of bot messages sent (the apology included).
    """
    tracking = TrackingOutput(message.output_channel)
    message.output_channel = tracking
    try:
        await on_new_message(message)
    except Exception:  # the citizen must get an answer whatever went wrong
        logger.exception("Handling a message from %s failed", message.sender_id)
    if tracking.sent == 0:
        logger.error("No reply to a message from %s on %s; sending an apology", message.sender_id, tracking.name())
        await tracking.send_text_message(message.sender_id, APOLOGY)
    return tracking.sent

"""What every channel shares: a citizen never gets silence.

If handling a message fails, or produces no reply at all (for example because the
action server is down), the citizen gets a short apology through the same channel.
"""

from __future__ import annotations

import logging
import re
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


# Conversation ids: printable ASCII only, so that no store, log or console page ever sees a
# control character or an unencodable one in a key (PostgreSQL refuses U+0000 outright).
SENDER_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}")
# What text may not carry into NLU or a store: C0/C1 control characters other than tab and
# newline, lone UTF-16 surrogates (valid JSON escapes, not valid Unicode) and noncharacters.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def valid_sender_id(sender_id: object) -> bool:
    """Whether `sender_id` is a conversation id this service accepts (SENDER_ID_PATTERN)."""
    return isinstance(sender_id, str) and SENDER_ID_PATTERN.fullmatch(sender_id) is not None


def clean_text(text: str) -> str:
    """`text` without control characters, lone surrogates or noncharacters; CR becomes LF."""
    return _UNSAFE_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


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

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
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

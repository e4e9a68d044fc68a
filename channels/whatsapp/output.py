"""Sending the assistant's replies to one citizen through the Graph API (a Rasa output channel).

Replies are rendered as WhatsApp messages (channels.whatsapp.formatting) and sent one by
one, in order. A message Meta refuses is logged, not raised: the rest still go out. When
Meta refuses an interactive message (buttons, list), the same options are sent as a
numbered text, which the citizen answers with a number.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel

from channels.whatsapp.formatting import (
    Rendered,
    options_from_buttons,
    render_numbered,
    render_text,
    render_with_buttons,
)
from channels.whatsapp.graph import GraphClient, SendError

logger = logging.getLogger(__name__)


class WhatsAppOutput(OutputChannel):
    """Sends the assistant's replies to one citizen (the one whose message is answered)."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(self, client: GraphClient, to: Optional[str] = None, recipient: Optional[str] = None) -> None:
        self.client = client
        self.destination = {"to": to} if to else {"recipient": recipient}
        # The options of a numbered menu sent in this turn: the next message may be a number.
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

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        rendered = render_with_buttons(text or "", buttons)
        for content in rendered.messages:
            error = await self.send(content)
            if error and content["type"] == "interactive" and refused(error):
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


def refused(error: SendError) -> bool:
    """Meta answered and refused the message itself (a 4xx other than 429, which is "busy")."""
    return bool(error.status) and 400 <= error.status < 500 and error.status != 429

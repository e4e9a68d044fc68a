"""The Socket.IO channel of the website chat widget, with Rasa's room bug fixed.

Rasa 3.6.21's SocketIOInput calls `sio.enter_room(...)` without `await`. Since
python-socketio 5.10 that method is a coroutine, so the socket never joins the room
named after the conversation. With `session_persistence: true`, which the widget needs
to continue a conversation across page reloads, Rasa sends every reply to that room:
the citizen's messages are answered into the void.

This channel keeps Rasa's name ("socketio", so staff see it in the tracker store), its
credentials and its events, and:
- awaits `enter_room`, so replies reach the widget before and after a reload;
- reads the page context from `metadata_key` (the widget sends `customData`) and
  keeps it as the message's metadata when it is a small JSON object;
- checks every event's data: malformed or oversized input gets a polite Spanish reply,
  never an exception in the server;
- answers through `channels.common.handle_message`, so a citizen never gets silence.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import rasa.core.channels.channel
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels.common import EMPTY_MESSAGE, handle_message
from channels.rest import MAX_MESSAGE_CHARS, MAX_METADATA_BYTES

logger = logging.getLogger(__name__)

# Conversation ids the widget may ask to continue: the server hands out uuid4 hex
# strings; anything else (too short to be unguessable, odd characters) gets a new one.
SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")

UNREADABLE_MESSAGE = "No pude leer su mensaje. Por favor, escríbalo nuevamente."
TOO_LONG_MESSAGE = (
    f"Su mensaje es demasiado largo (máximo {MAX_MESSAGE_CHARS} caracteres). "
    "Por favor, escriba su consulta de forma más breve."
)
NO_SESSION_MESSAGE = "No pude identificar su conversación. Por favor, recargue la página e intente nuevamente."


class InvalidSocketMessage(Exception):
    """A user message the channel cannot pass on; `reply` tells the citizen why, in Spanish."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True)
class SocketMessage:
    text: str
    session_id: Optional[str]
    metadata: Optional[Dict[str, Any]]


def valid_session_id(value: Any) -> Optional[str]:
    """`value` if it can name a conversation, else None."""
    if isinstance(value, str) and SESSION_ID_PATTERN.match(value):
        return value
    return None


def requested_session_id(data: Any) -> str:
    """The conversation a `session_request` asks to continue, or a new one."""
    requested = valid_session_id(data.get("session_id")) if isinstance(data, dict) else None
    return requested or uuid.uuid4().hex


def parse_metadata(raw: Any) -> Optional[Dict[str, Any]]:
    """The page context as a JSON object of at most MAX_METADATA_BYTES, or None.

    The widget sends an object; other clients may send it as a JSON string. Anything
    else is dropped (and logged): a misconfigured page must not cost a citizen a reply.
    """
    if raw is None or raw == {}:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            logger.warning("Ignoring socket.io metadata that is not JSON")
            return None
    if not isinstance(raw, dict):
        logger.warning("Ignoring socket.io metadata that is not a JSON object")
        return None
    try:
        size = len(json.dumps(raw, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError):
        return None
    if size > MAX_METADATA_BYTES:
        logger.warning("Ignoring socket.io metadata of %d bytes (max %d)", size, MAX_METADATA_BYTES)
        return None
    return raw


def parse_user_message(data: Any, metadata_key: str) -> SocketMessage:
    """Check a `user_uttered` event's data; InvalidSocketMessage says, in Spanish, what is wrong."""
    if not isinstance(data, dict):
        raise InvalidSocketMessage(UNREADABLE_MESSAGE)
    text = data.get("message", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InvalidSocketMessage(UNREADABLE_MESSAGE)
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidSocketMessage(TOO_LONG_MESSAGE)
    return SocketMessage(text, valid_session_id(data.get("session_id")), parse_metadata(data.get(metadata_key)))


class PersistentSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel with sessions that persist and input that is checked."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # As in Rasa: CORS is left to Sanic (`rasa run --cors`).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio  # get_output_channel() uses it
        namespace = self.namespace

        async def reply(sid: Text, text: Text) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=namespace)

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if self.jwt_key:
                token = auth.get("token") if isinstance(auth, dict) else None
                if not token or not rasa.core.channels.channel.decode_bearer_token(
                    token, self.jwt_key, self.jwt_algorithm
                ):
                    logger.debug("Refused socket.io connection %s: no valid token", sid)
                    return False
            logger.debug("User %s connected to the socket.io endpoint", sid)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: Text, *args: Any) -> None:
            logger.debug("User %s disconnected from the socket.io endpoint", sid)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            session_id = requested_session_id(data)
            if self.session_persistence:
                # The fix: AsyncServer.enter_room is a coroutine (python-socketio >= 5.10).
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            logger.debug("Socket %s continues conversation %s", sid, session_id)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def user_message(sid: Text, data: Any = None) -> None:
            try:
                message = parse_user_message(data, self.metadata_key)
            except InvalidSocketMessage as error:
                await reply(sid, error.reply)
                return
            if self.session_persistence:
                if message.session_id is None:
                    logger.warning("Socket %s sent a message without a valid session_id", sid)
                    await reply(sid, NO_SESSION_MESSAGE)
                    return
                sender_id = message.session_id
                # Idempotent; covers a message that overtakes its session_request.
                await sio.enter_room(sid, sender_id, namespace=namespace)
            else:
                sender_id = sid
            output = SocketIOOutput(sio, self.bot_message_evt)
            if not message.text.strip():
                await output.send_text_message(sender_id, EMPTY_MESSAGE)
                return
            await handle_message(
                on_new_message,
                UserMessage(message.text, output, sender_id, input_channel=self.name(), metadata=message.metadata),
            )

        return socketio_webhook

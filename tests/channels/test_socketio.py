"""The website's Socket.IO channel: input checks, and sessions against the real Rasa server.

The socket tests talk to the running assistant (the session fixture `servers`) with
python-socketio's client, speaking as the widget does: `session_request` with the id
kept in the browser, then `user_uttered` with `session_id` and `customData`.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Callable, Dict, List

import pytest
import socketio

from channels.common import EMPTY_MESSAGE
from channels.rest import MAX_MESSAGE_CHARS, MAX_METADATA_BYTES
from channels.socketio import (
    NO_SESSION_MESSAGE,
    TOO_LONG_MESSAGE,
    UNREADABLE_MESSAGE,
    InvalidSocketMessage,
    parse_metadata,
    parse_user_message,
    requested_session_id,
)
from tests.conftest import stored_events

CITATION = "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."
REPLY_TIMEOUT = 90  # seconds to wait for the assistant before failing (not a speed check)


# --- input checks ----------------------------------------------------------------------


def test_a_message_from_the_widget():
    session = uuid.uuid4().hex
    message = parse_user_message(
        {"message": "¿Cuántos peruanos?", "session_id": session, "customData": {"language": "es"}}, "customData"
    )
    assert (message.text, message.session_id, message.metadata) == ("¿Cuántos peruanos?", session, {"language": "es"})


@pytest.mark.parametrize("data", ["hola", ["hola"], 42, None, {"message": 5}, {"message": ["hola"]}])
def test_unreadable_messages_are_refused_in_spanish(data):
    with pytest.raises(InvalidSocketMessage) as error:
        parse_user_message(data, "customData")
    assert error.value.reply == UNREADABLE_MESSAGE


def test_too_long_messages_are_refused_and_the_longest_allowed_passes():
    with pytest.raises(InvalidSocketMessage) as error:
        parse_user_message({"message": "a" * (MAX_MESSAGE_CHARS + 1)}, "customData")
    assert error.value.reply == TOO_LONG_MESSAGE
    assert len(parse_user_message({"message": "é" * MAX_MESSAGE_CHARS}, "customData").text) == MAX_MESSAGE_CHARS


@pytest.mark.parametrize(
    "raw, expected",
    [
        ({"language": "es", "section": "consulados"}, {"language": "es", "section": "consulados"}),
        ('{"language": "es"}', {"language": "es"}),  # clients that send it as a JSON string
        ("{not json", None),
        ("[1, 2]", None),
        ([1, 2], None),
        ({}, None),
        (None, None),
        ({"big": "x" * MAX_METADATA_BYTES}, None),
    ],
)
def test_page_context_is_kept_only_as_a_small_json_object(raw, expected):
    assert parse_metadata(raw) == expected


def test_a_session_request_keeps_a_valid_id_and_replaces_anything_else():
    kept = uuid.uuid4().hex
    assert requested_session_id({"session_id": kept}) == kept
    for data in [
        None,
        {},
        {"session_id": None},
        {"session_id": "corto"},
        {"session_id": "../../etc/passwd"},
        {"session_id": 123},
        "texto",
        {"session_id": "x" * 129},
    ]:
        new = requested_session_id(data)
        assert len(new) == 32 and int(new, 16) >= 0 and new != kept


# --- against the real Rasa server -----------------------------------------------------------


class WidgetSocket:
    """One browser tab's socket, speaking the rasa-webchat protocol."""

    def __init__(self, rasa_url: str) -> None:
        self.url = rasa_url
        self.client = socketio.AsyncSimpleClient()
        self.session_id: str = ""

    async def open(self, session_id: Any = None) -> str:
        # Long-polling: python-engineio's asyncio websocket transport needs a newer aiohttp
        # than Rasa pins. The browser tests (tests/e2e/test_web.py) use websockets.
        await self.client.connect(self.url, socketio_path="socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": session_id})
        event, confirmed = await self.client.receive(timeout=REPLY_TIMEOUT)
        assert event == "session_confirm"
        self.session_id = confirmed
        return confirmed

    async def send(self, data: Any) -> None:
        await self.client.emit("user_uttered", data)

    async def say(self, text: str, custom_data: Dict[str, Any] = None) -> None:
        await self.send({"message": text, "session_id": self.session_id, "customData": custom_data or {}})

    async def replies_until(self, done: Callable[[List[Dict[str, Any]]], bool]) -> List[Dict[str, Any]]:
        """Bot messages received until `done(messages)` holds (fails after REPLY_TIMEOUT without it)."""
        received: List[Dict[str, Any]] = []
        while not done(received):
            try:
                event, data = await self.client.receive(timeout=REPLY_TIMEOUT)
            except socketio.exceptions.TimeoutError:
                pytest.fail(f"the assistant stopped answering; received so far: {received}")
            if event == "bot_uttered":
                received.append(data)
        return received

    async def close(self) -> None:
        await self.client.disconnect()


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n\n".join(m.get("text", "") for m in messages)


def containing(*words: str) -> Callable[[List[Dict[str, Any]]], bool]:
    return lambda messages: all(word in texts(messages) for word in words)


@pytest.mark.e2e
def test_replies_reach_a_persistent_session(servers):
    """Rasa 3.6.21's channel never joins the session's room: this reply would not arrive."""

    async def scenario():
        tab = WidgetSocket(servers.rasa_url)
        session = uuid.uuid4().hex
        assert await tab.open(session) == session
        await tab.say("/greet")
        [greeting] = await tab.replies_until(lambda messages: len(messages) >= 1)
        await tab.close()
        return greeting

    greeting = asyncio.run(scenario())
    assert greeting["text"].startswith("¡Hola! Soy el Asistente Consular")
    assert {"content_type": "text", "title": "Repatriaciones", "payload": "/ask_repatriation"} in greeting[
        "quick_replies"
    ]


@pytest.mark.e2e
def test_a_reload_continues_the_same_conversation(servers):
    async def scenario():
        first = WidgetSocket(servers.rasa_url)
        session = await first.open(None)  # a first visit: the server names the conversation
        await first.say("¿Cuántos peruanos fueron repatriados desde Jamaica?")
        jamaica = await first.replies_until(containing("24 peruanos", CITATION))
        await first.close()
        reloaded = WidgetSocket(servers.rasa_url)  # the page is reloaded: a new socket
        assert await reloaded.open(session) == session
        await reloaded.say("¿y en Bolivia?")  # only makes sense in the same conversation
        bolivia = await reloaded.replies_until(containing("72 peruanos"))
        await reloaded.close()
        return session, jamaica, bolivia

    session, jamaica, bolivia = asyncio.run(scenario())
    assert "Jamaica" not in texts(bolivia)
    events = stored_events(servers, session)
    assert [e["text"] for e in events] == ["¿Cuántos peruanos fueron repatriados desde Jamaica?", "¿y en Bolivia?"]
    assert {e["input_channel"] for e in events} == {"socketio"}


def test_page_context_reaches_the_tracker_as_message_metadata(servers):
    context = {"language": "es", "section": "servicios-consulares", "page": "/consulados"}

    async def scenario():
        tab = WidgetSocket(servers.rasa_url)
        session = await tab.open(uuid.uuid4().hex)
        await tab.say("repatriaciones de jamaica", context)
        await tab.replies_until(containing("24 peruanos"))
        await tab.close()
        return session

    [event] = stored_events(servers, asyncio.run(scenario()))
    assert context.items() <= event["metadata"].items()  # Rasa adds its model_id and assistant_id


def test_bad_input_gets_a_polite_reply_and_the_conversation_goes_on(servers):
    async def scenario():
        tab = WidgetSocket(servers.rasa_url)
        session = await tab.open(uuid.uuid4().hex)
        replies = []
        for data in [
            "texto suelto",
            [1, 2],
            {"message": 42, "session_id": session},
            {"message": "a" * (MAX_MESSAGE_CHARS + 1), "session_id": session},
            {"message": "hola"},  # no session_id: nowhere to file it
            {"message": "   ", "session_id": session},
        ]:
            await tab.send(data)
            replies += await tab.replies_until(lambda messages: len(messages) >= 1)
        await tab.send({"message": "repatriados de jamaica", "session_id": session, "customData": "{roto"})
        answer = await tab.replies_until(containing("24 peruanos", CITATION))
        await tab.close()
        return replies, answer

    replies, answer = asyncio.run(scenario())
    assert [r["text"] for r in replies] == [
        UNREADABLE_MESSAGE,
        UNREADABLE_MESSAGE,
        UNREADABLE_MESSAGE,
        TOO_LONG_MESSAGE,
        NO_SESSION_MESSAGE,
        EMPTY_MESSAGE,
    ]
    assert CITATION in texts(answer)

import json

import pytest

from channels.rest import MAX_BODY_BYTES, MAX_MESSAGE_CHARS, InvalidRequest, parse_body


def body(**fields) -> bytes:
    return json.dumps(fields).encode("utf-8")


def test_a_valid_message():
    message = parse_body(body(sender=" abc ", message="¡Hola! ¿qué tal?", metadata={"page": "inicio"}))
    assert (message.sender, message.text, message.metadata) == ("abc", "¡Hola! ¿qué tal?", {"page": "inicio"})


@pytest.mark.parametrize(
    "raw, status, words",
    [
        (b"{not json", 400, "JSON"),
        (b"\xff\xfe\x00binary", 400, "UTF-8"),
        (b"", 400, "JSON"),
        (b"[1, 2, 3]", 400, "objeto JSON"),
        (body(message="hola"), 400, "'sender'"),
        (body(sender="", message="hola"), 400, "'sender'"),
        (body(sender="x" * 129, message="hola"), 400, "'sender'"),
        (body(sender="a", message=123), 400, "'message'"),
        (body(sender="a"), 400, "'message'"),
        (body(sender="a", message="hola", metadata=[1]), 400, "'metadata'"),
        (body(sender="a", message="x" * (MAX_MESSAGE_CHARS + 1)), 413, "demasiado largo"),
        (b"{" + b" " * MAX_BODY_BYTES + b"}", 413, "demasiado grande"),
    ],
)
def test_malformed_bodies_get_a_clear_spanish_error(raw, status, words):
    with pytest.raises(InvalidRequest) as error:
        parse_body(raw)
    assert error.value.status == status and words in error.value.message


def test_the_longest_allowed_message_passes():
    assert len(parse_body(body(sender="a", message="é" * MAX_MESSAGE_CHARS)).text) == MAX_MESSAGE_CHARS


@pytest.mark.parametrize("sender", ["a\x00b", "a\nb", "ana pérez", "-leading-dash", "a" * 129, "\ud800", 7])
def test_a_sender_id_outside_the_documented_pattern_is_refused(sender):
    with pytest.raises(InvalidRequest) as error:
        parse_body(json.dumps({"sender": sender, "message": "hola"}).encode("utf-8"))
    assert error.value.status == 400 and "'sender'" in error.value.message


def test_control_characters_and_lone_surrogates_are_removed_from_the_text():
    raw = b'{"sender": "x", "message": "hola \\ud800 quiero\\u0000 votar\\r\\nen Madrid\\u0007"}'
    assert parse_body(raw).text == "hola  quiero votar\nen Madrid"

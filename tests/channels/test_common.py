import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.common import APOLOGY, handle_message


def run(on_new_message):
    collector = CollectingOutputChannel()
    sent = asyncio.run(handle_message(on_new_message, UserMessage("hola", collector, "ciudadano")))
    return sent, [m["text"] for m in collector.messages]


def test_replies_pass_through_untouched():
    async def assistant(message):
        await message.output_channel.send_text_message(message.sender_id, "¡Hola! ¿En qué puedo ayudarle?")

    assert run(assistant) == (1, ["¡Hola! ¿En qué puedo ayudarle?"])


def test_no_reply_becomes_an_apology():
    async def silent(message):
        return None

    assert run(silent) == (1, [APOLOGY])


def test_a_failure_becomes_an_apology():
    async def broken(message):
        raise RuntimeError("action server down")

    assert run(broken) == (1, [APOLOGY])


def test_the_channel_name_is_kept_for_the_tracker():
    names = []

    async def assistant(message):
        names.append(message.output_channel.name())
        await message.output_channel.send_text_message(message.sender_id, "ok")

    run(assistant)
    assert names == ["collector"]


def test_clean_text_keeps_what_citizens_write():
    from channels.common import clean_text

    text = "¡Hola! ¿Cuándo votan los peruanos en Milán? 👍🏽 ñandú\tfin\nok"
    assert clean_text(text) == text

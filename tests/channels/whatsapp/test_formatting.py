import pytest

from channels.whatsapp.formatting import (
    CHOOSE_PROMPT,
    MAX_BODY_CHARS,
    MAX_TEXT_CHARS,
    NUMBERED_PROMPT,
    option_for_reply,
    render_text,
    render_with_buttons,
    split_text,
    unique_titles,
)
from tests.graph_api import message_problems


def as_sent(content):
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "51987654321", **content}


def assert_meta_accepts(rendered):
    for content in rendered.messages:
        assert message_problems(as_sent(content)) == [], content


def buttons(count, title="Tema"):
    return [{"title": f"{title} {i}", "payload": f"/tema_{i}"} for i in range(1, count + 1)]


def test_a_5000_character_text_is_split_without_losing_anything():
    paragraph = "La Cancillería informa sobre el voto en el exterior. " * 20
    text = "\n\n".join([paragraph.strip()] * 5)[:5000]
    pieces = split_text(text)
    assert len(pieces) == 2 and all(len(p) <= MAX_TEXT_CHARS for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert pieces[0].endswith(".")  # cut at a paragraph or sentence break, not mid-word


def test_text_without_spaces_is_cut_hard():
    pieces = split_text("x" * 9000)
    assert [len(p) for p in pieces] == [4096, 4096, 808]


def test_short_and_empty_texts():
    assert split_text("  ¡Hola!  ") == ["¡Hola!"]
    assert split_text("   ") == []
    assert render_text("¡Hola!").messages == [{"type": "text", "text": {"preview_url": False, "body": "¡Hola!"}}]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_one_to_three_buttons_become_reply_buttons(count):
    rendered = render_with_buttons("¿Qué desea consultar?", buttons(count))
    [content] = rendered.messages
    assert content["interactive"]["type"] == "button"
    assert content["interactive"]["body"]["text"] == "¿Qué desea consultar?"
    replies = [b["reply"] for b in content["interactive"]["action"]["buttons"]]
    assert [r["id"] for r in replies] == [f"/tema_{i}" for i in range(1, count + 1)]
    assert_meta_accepts(rendered)


def test_long_button_titles_are_cut_to_20_characters_and_stay_unique():
    long = [
        {"title": "Repatriaciones desde Jamaica", "payload": "/a"},
        {"title": "Repatriaciones desde Bolivia", "payload": "/b"},
        {"title": "Repatriaciones desde Jamaica", "payload": "/c"},
    ]
    [content] = render_with_buttons("Elija:", long).messages
    titles = [b["reply"]["title"] for b in content["interactive"]["action"]["buttons"]]
    assert all(len(t) <= 20 for t in titles) and len(set(titles)) == 3
    assert titles[0] == "Repatriaciones desd…"


@pytest.mark.parametrize("count", [4, 9, 10])
def test_four_to_ten_buttons_become_a_list_message(count):
    rendered = render_with_buttons("Estos son los temas:", buttons(count))
    [content] = rendered.messages
    assert content["interactive"]["type"] == "list"
    rows = content["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [f"/tema_{i}" for i in range(1, count + 1)]
    assert rendered.numbered_options is None
    assert_meta_accepts(rendered)


def test_a_cut_list_title_keeps_the_full_title_as_description():
    [content] = render_with_buttons(
        "Temas:", [{"title": "Integración regional y fronteriza", "payload": "/x"}] * 1 + buttons(3)
    ).messages
    row = content["interactive"]["action"]["sections"][0]["rows"][0]
    assert len(row["title"]) <= 24 and row["description"] == "Integración regional y fronteriza"


def test_more_than_ten_buttons_become_numbered_text():
    rendered = render_with_buttons("Elija un tema:", buttons(12))
    [content] = rendered.messages
    body = content["text"]["body"]
    assert body.startswith("Elija un tema:") and "1. Tema 1\n2. Tema 2" in body and "12. Tema 12" in body
    assert body.endswith(NUMBERED_PROMPT)
    assert rendered.numbered_options == [f"/tema_{i}" for i in range(1, 13)]
    assert_meta_accepts(rendered)


def test_payloads_too_long_for_an_id_become_numbered_text():
    rendered = render_with_buttons("Elija:", [{"title": "Uno", "payload": "/x" + "a" * 300}])
    assert rendered.messages[0]["type"] == "text" and rendered.numbered_options == ["/x" + "a" * 300]


def test_a_text_too_long_for_an_interactive_body_goes_first_as_text():
    text = ("Información consular importante. " * 60).strip()  # about 2,000 characters
    rendered = render_with_buttons(text, buttons(2))
    first, second = rendered.messages
    assert first["type"] == "text" and first["text"]["body"] == text
    assert second["interactive"]["body"]["text"] == CHOOSE_PROMPT
    assert_meta_accepts(rendered)
    # the last piece of a long text becomes the body when it fits in one
    first, second = render_with_buttons("A" * 5000 + "\n\n¿Desea algo más?", buttons(2)).messages
    assert first["text"]["body"] == "A" * 4096
    assert second["interactive"]["body"]["text"] == "A" * 904 + "\n\n¿Desea algo más?"


def test_buttons_without_text_still_have_a_body():
    rendered = render_with_buttons("", buttons(2))
    assert rendered.messages[0]["interactive"]["body"]["text"] == CHOOSE_PROMPT
    assert len(CHOOSE_PROMPT) <= MAX_BODY_CHARS


def test_unique_titles_never_repeat_even_when_cut():
    titles = unique_titles(["Consulado general del Perú"] * 12, 20)
    assert len(set(t.casefold() for t in titles)) == 12 and all(len(t) <= 20 for t in titles)


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("3", "/c"),
        (" 3 ", "/c"),
        ("3.", "/c"),
        ("1", "/a"),
        ("0", None),
        ("4", None),
        ("tres", None),
        ("³", None),
        ("", None),
    ],
)
def test_a_number_answers_the_numbered_menu(reply, expected):
    assert option_for_reply(reply, ["/a", "/b", "/c"]) == expected


def test_a_number_without_menu_is_just_text():
    assert option_for_reply("3", None) is None

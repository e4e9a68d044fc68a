"""How the assistant's replies become WhatsApp Cloud API messages.

Limits from Meta's documentation of the Messages API:
  text body                 4096 characters
  interactive body          1024 characters
  reply buttons             1-3, title <= 20 characters (unique), id <= 256
  list message              <= 10 rows, row title <= 24, description <= 72, id <= 200,
                            button label <= 20
Bot buttons become reply buttons when there are 1-3, a list message for 4-10, and a
numbered text beyond that (the citizen answers with the number; the channel keeps the
options for the next message). Every function here returns message *contents*
(`type` and its object); the channel adds the recipient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

MAX_TEXT_CHARS = 4096
MAX_BODY_CHARS = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200

LIST_BUTTON_LABEL = "Ver opciones"
CHOOSE_PROMPT = "Elija una opción:"
NUMBERED_PROMPT = "Responda con el número de la opción que le interesa."
ELLIPSIS = "…"

Content = Dict[str, Any]


@dataclass(frozen=True)
class Option:
    title: str
    payload: str


@dataclass
class Rendered:
    """The messages to send, in order, and the options a numbered reply refers to."""

    messages: List[Content]
    numbered_options: Optional[List[str]] = field(default=None)


def split_text(text: str, limit: int = MAX_TEXT_CHARS) -> List[str]:
    """Cut `text` into pieces of at most `limit` characters, at a paragraph, line or word
    break when there is one in the second half of the piece. No text is lost."""
    text = text.strip()
    pieces: List[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            position = window.rfind(separator, 0, limit + 1)
            if position >= limit // 2:
                cut = position
                break
        if cut <= 0:
            cut = limit
        piece = text[:cut].rstrip()
        if piece:
            pieces.append(piece)
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def unique_titles(titles: Sequence[str], limit: int) -> List[str]:
    """Titles cut to `limit` characters and made unique (WhatsApp rejects duplicates)."""
    result: List[str] = []
    seen = set()
    for index, title in enumerate(titles, start=1):
        title = " ".join((title or "").split()) or f"Opción {index}"
        candidate = shorten(title, limit)
        number = 2
        while candidate.casefold() in seen:
            suffix = f" ({number})"
            candidate = shorten(title, limit - len(suffix)) + suffix
            number += 1
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


def options_from_buttons(buttons: Sequence[Dict[str, Any]]) -> List[Option]:
    """Rasa buttons ({"title", "payload"}) as options; a button without payload sends its title."""
    options = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if title or payload:
            options.append(Option(title or payload, payload))
    return options


def text_content(body: str) -> Content:
    return {"type": "text", "text": {"preview_url": "https://" in body or "http://" in body, "body": body}}


def reply_buttons_content(body: str, options: Sequence[Option]) -> Content:
    titles = unique_titles([o.title for o in options], MAX_BUTTON_TITLE)
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [{"type": "reply", "reply": {"id": o.payload, "title": t}} for o, t in zip(options, titles)]
            },
        },
    }


def list_content(body: str, options: Sequence[Option]) -> Content:
    titles = unique_titles([o.title for o in options], MAX_ROW_TITLE)
    rows = []
    for option, title in zip(options, titles):
        row = {"id": option.payload, "title": title}
        if title != " ".join(option.title.split()):  # cut: the full title goes below it
            row["description"] = shorten(option.title, MAX_ROW_DESCRIPTION)
        rows.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {"button": LIST_BUTTON_LABEL, "sections": [{"rows": rows}]},
        },
    }


def numbered_text(text: str, options: Sequence[Option]) -> str:
    lines = [f"{number}. {' '.join(o.title.split())}" for number, o in enumerate(options, start=1)]
    return "\n\n".join(part for part in (text.strip(), "\n".join(lines), NUMBERED_PROMPT) if part)


def render_text(text: str) -> Rendered:
    return Rendered([text_content(piece) for piece in split_text(text)])


def render_numbered(text: str, options: Sequence[Option]) -> Rendered:
    return Rendered(
        [text_content(piece) for piece in split_text(numbered_text(text, options))],
        numbered_options=[o.payload for o in options],
    )


def render_with_buttons(text: str, buttons: Sequence[Dict[str, Any]]) -> Rendered:
    """Reply buttons for 1-3 options, a list message for 4-10, numbered text beyond."""
    options = options_from_buttons(buttons)
    if not options:
        return render_text(text)
    if len(options) <= MAX_REPLY_BUTTONS and all(len(o.payload) <= MAX_BUTTON_ID for o in options):
        build = reply_buttons_content
    elif len(options) <= MAX_LIST_ROWS and all(len(o.payload) <= MAX_ROW_ID for o in options):
        build = list_content
    else:  # too many options, or payloads too long to come back as an id
        return render_numbered(text, options)

    # The interactive message carries the last part of the text if it fits its body;
    # anything before (or a text too long for a body) goes first as plain text.
    pieces = split_text(text)
    body = CHOOSE_PROMPT
    if pieces and len(pieces[-1]) <= MAX_BODY_CHARS:
        body = pieces.pop()
    messages = [text_content(piece) for piece in pieces]
    messages.append(build(body, options))
    return Rendered(messages)


def option_for_reply(text: str, options: Optional[Sequence[str]]) -> Optional[str]:
    """The payload of the numbered option `text` names ("3", " 3 ", "3."), if any."""
    if not options:
        return None
    candidate = text.strip().rstrip(".)")
    if candidate.isdigit() and candidate.isascii() and len(candidate) <= 3:
        number = int(candidate)
        if 1 <= number <= len(options):
            return options[number - 1]
    return None

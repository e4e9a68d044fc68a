"""End to end in a real browser: the demo page, the chat widget and the real servers.

Headless Debian Chromium (/usr/bin/chromium, installed by scripts/install-chromium),
driven by Playwright, opens the demo page served by scripts/web.py; the widget talks
over Socket.IO to the session's real Rasa server and action server. Screenshots are
saved under tests/artifacts/web/.
"""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Iterator, List
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from scripts.serve import free_port, wait_until_ready
from tests.conftest import ARTIFACTS, ROOT, stored_events

pytestmark = [pytest.mark.e2e, pytest.mark.browser]  # the real servers, and headless Chromium


SHOTS = ARTIFACTS / "web"
REPLY_MS = 90_000  # how long to wait for the assistant before failing (not a speed check)
CITATION = "Fuente: Nota de Prensa 9-26, Cancillería, 18 de enero de 2026."
GREETING = "¡Hola! Soy el Asistente Consular"
PRIVACY = "no comparta su número de DNI, de pasaporte ni contraseñas"
UNAVAILABLE = "El Asistente Consular no está disponible en este momento"
JAMAICA_QUESTION = "¿Cuántos peruanos fueron repatriados desde Jamaica?"
XSS = "<img src=x onerror=alert(1)>"


# --- fixtures -------------------------------------------------------------------------------

def serve_site(rasa_url: str, log_name: str) -> Iterator[str]:
    """The demo page (scripts/web.py) on a free port, pointing the widget at `rasa_url`."""
    port = free_port()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / f"{log_name}.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.web", "--port", str(port), "--rasa-url", rasa_url],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_until_ready(url, process, 30, "El servidor web")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def site(servers) -> Iterator[str]:
    yield from serve_site(servers.rasa_url, "web-server")


@pytest.fixture(scope="module")
def site_without_assistant() -> Iterator[str]:
    """The demo page whose Rasa server is down (its port is closed)."""
    yield from serve_site(f"http://127.0.0.1:{free_port()}", "web-server-no-rasa")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"No se encontró Chromium en {CHROMIUM}; ejecute scripts/install-chromium (lo hace `make test`).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Visitor:
    """A citizen on the demo page: what the browser requested and which dialogs opened."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requested: List[str] = []
        self.dialogs: List[str] = []
        page.on("request", lambda request: self.requested.append(request.url))
        page.on("websocket", lambda socket: self.requested.append(socket.url))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def launcher(self):
        return self.page.locator(".rw-launcher")

    @property
    def textbox(self):
        return self.page.get_by_role("textbox", name="Escriba su consulta")

    @property
    def conversation(self):
        return self.page.get_by_role("log", name="Conversación con el Asistente Consular")

    def bot(self, text: str):
        return self.page.locator(".rw-response").filter(has_text=text)

    def user(self):
        return self.page.locator(".rw-client")

    def open_chat(self) -> None:
        self.launcher.click()
        expect(self.bot(GREETING)).to_be_visible(timeout=REPLY_MS)

    def ask(self, text: str) -> None:
        self.textbox.fill(text)
        self.textbox.press("Enter")
        expect(self.user().filter(has_text=text).last).to_be_visible()

    def session_id(self) -> str:
        return json.loads(self.page.evaluate("localStorage.getItem('chat_session')"))["session_id"]

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"))


def new_visitor(browser: Browser, url: str, **context_options) -> Visitor:
    options = {"viewport": {"width": 1280, "height": 800}, "locale": "es-PE", **context_options}
    context = browser.new_context(**options)
    visitor = Visitor(context.new_page())
    visitor.page.goto(url)
    return visitor


@pytest.fixture
def visitor(browser, site) -> Iterator[Visitor]:
    visitor = new_visitor(browser, site)
    yield visitor
    visitor.page.context.close()


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""
    def luminance(color: str) -> float:
        channels = [float(x) / 255 for x in color[color.index("(") + 1:-1].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


COLORS_JS = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  let bg = el, color = getComputedStyle(el).backgroundColor;
  while (bg && (color === 'rgba(0, 0, 0, 0)' || color === 'transparent')) {
    bg = bg.parentElement;
    color = bg ? getComputedStyle(bg).backgroundColor : 'rgb(255, 255, 255)';
  }
  return [getComputedStyle(el).color, color];
}"""


# --- tests ----------------------------------------------------------------------------------

def test_greeting_with_privacy_notice_and_a_quick_reply_answered(visitor):
    visitor.open_chat()
    greeting = visitor.bot(GREETING)
    expect(greeting).to_contain_text(PRIVACY)
    replies = visitor.page.get_by_role("button", name="Repatriaciones", exact=True)
    expect(replies).to_be_visible()
    expect(visitor.page.locator(".rw-reply")).to_have_count(9)
    replies.click()
    expect(visitor.user().filter(has_text="Repatriaciones")).to_be_visible()
    expect(visitor.bot("72 peruanos")).to_be_visible(timeout=REPLY_MS)
    expect(visitor.bot(CITATION)).to_be_visible(timeout=REPLY_MS)


def test_a_typed_question_with_accents_is_answered_with_24_and_its_source(visitor):
    visitor.open_chat()
    visitor.ask(JAMAICA_QUESTION)
    expect(visitor.user().last).to_have_text(JAMAICA_QUESTION)
    expect(visitor.bot("24 peruanos")).to_contain_text("Jamaica", timeout=REPLY_MS)
    expect(visitor.bot(CITATION)).to_be_visible(timeout=REPLY_MS)
    visitor.screenshot("conversation")
    # the corner of the page with the widget (docs/chat-web.png is one of these)
    visitor.page.screenshot(path=str(SHOTS / "conversation-widget.png"),
                            clip={"x": 860, "y": 150, "width": 420, "height": 650})


def test_a_reload_keeps_the_history_and_the_conversation(visitor, servers):
    visitor.open_chat()
    visitor.ask(JAMAICA_QUESTION)
    expect(visitor.bot(CITATION)).to_be_visible(timeout=REPLY_MS)
    session = visitor.session_id()

    visitor.page.reload()
    if not visitor.page.locator(".rw-conversation-container").is_visible():
        visitor.launcher.click()
    expect(visitor.user().filter(has_text=JAMAICA_QUESTION)).to_be_visible()  # the history is still shown
    expect(visitor.bot("24 peruanos")).to_be_visible()
    expect(visitor.bot(GREETING)).to_have_count(1)  # the conversation was not started again
    assert visitor.session_id() == session

    visitor.ask("¿y en Bolivia?")  # only answerable as a follow-up in the same conversation
    expect(visitor.bot("72 peruanos")).to_be_visible(timeout=REPLY_MS)
    visitor.screenshot("after-reload")

    events = stored_events(servers, session)  # one sender in the tracker store, before and after
    assert [e["text"] for e in events] == ["/greet", JAMAICA_QUESTION, "¿y en Bolivia?"]
    assert {e["input_channel"] for e in events} == {"socketio"}
    for event in events:  # the page context, as message metadata
        assert event["metadata"]["section"] == "servicios-consulares"
        assert event["metadata"]["language"] == "es"


def test_markup_in_a_message_is_shown_as_text_and_never_runs(visitor):
    visitor.open_chat()
    visitor.ask(XSS)
    expect(visitor.user().last).to_have_text(XSS)
    expect(visitor.page.locator(".rw-response").nth(1)).to_be_visible(timeout=REPLY_MS)  # the assistant replied
    assert visitor.page.locator(".ac-root img[src='x']").count() == 0
    assert visitor.dialogs == []
    visitor.screenshot("markup-as-text")


def test_everything_loads_from_this_machine(visitor, site, servers):
    visitor.open_chat()
    visitor.ask("hola")
    expect(visitor.bot(GREETING).nth(1)).to_be_visible(timeout=REPLY_MS)
    hosts = {urlsplit(url).netloc for url in visitor.requested}
    assert hosts == {urlsplit(site).netloc, urlsplit(servers.rasa_url).netloc}, visitor.requested
    assert any(url.startswith("ws://") for url in visitor.requested)  # the widget upgraded to a websocket


def test_the_chat_works_with_the_keyboard_alone(visitor):
    page = visitor.page
    launcher = page.get_by_role("button", name="Abrir el chat del Asistente Consular")
    for _ in range(40):  # Tab through the page until the launcher has the focus
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el === document.activeElement"):
            break
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(visitor.bot(GREETING)).to_be_visible(timeout=REPLY_MS)
    expect(visitor.textbox).to_be_focused()
    expect(visitor.conversation).to_be_visible()
    expect(page.get_by_role("button", name="Enviar mensaje")).to_be_visible()

    repatriations = page.get_by_role("button", name="Repatriaciones", exact=True)
    for _ in range(20):  # Shift+Tab back from the text box to the quick reply
        page.keyboard.press("Shift+Tab")
        if repatriations.evaluate("el => el === document.activeElement"):
            break
    expect(repatriations).to_be_focused()
    page.keyboard.press("Enter")
    expect(visitor.bot("72 peruanos")).to_be_visible(timeout=REPLY_MS)
    expect(visitor.textbox).to_be_focused()

    page.keyboard.type("¿qué pasó en Jamaica?")
    page.keyboard.press("Enter")
    expect(visitor.bot("24 peruanos")).to_be_visible(timeout=REPLY_MS)

    page.keyboard.press("Escape")
    closed = page.get_by_role("button", name="Abrir el chat del Asistente Consular")
    expect(closed).to_be_focused()
    expect(closed).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".rw-conversation-container")).to_have_count(0)


def test_text_has_readable_contrast(visitor):
    visitor.open_chat()
    visitor.ask("hola")
    expect(visitor.bot(GREETING).nth(1)).to_be_visible(timeout=REPLY_MS)
    for selector in [".rw-response", ".rw-client", ".rw-reply", ".rw-header .rw-title", ".rw-new-message"]:
        foreground, background = visitor.page.evaluate(COLORS_JS, selector)
        assert contrast(foreground, background) >= 4.5, (selector, foreground, background)


def test_the_chat_works_on_a_360_px_phone(browser, site):
    phone = new_visitor(browser, site, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                        device_scale_factor=2)
    try:
        page = phone.page
        phone.launcher.tap()
        expect(phone.bot(GREETING)).to_be_visible(timeout=REPLY_MS)
        panel = page.locator(".rw-conversation-container").bounding_box()
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 360
        for box in [r.bounding_box() for r in page.locator(".rw-reply").all()]:
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        page.get_by_role("button", name="Cultura", exact=True).tap()
        expect(phone.bot(CITATION)).to_be_visible(timeout=REPLY_MS)
        phone.ask(JAMAICA_QUESTION)
        expect(phone.bot("24 peruanos")).to_be_visible(timeout=REPLY_MS)
        phone.screenshot("phone-360")
    finally:
        page.context.close()


def test_the_widget_says_so_when_the_assistant_is_down(browser, site_without_assistant):
    down = new_visitor(browser, site_without_assistant)
    try:
        notice = down.page.get_by_role("alert")
        expect(notice).to_contain_text(UNAVAILABLE, timeout=30_000)
        expect(down.launcher).to_be_visible()  # the widget does not vanish
        down.screenshot("assistant-down")
        down.launcher.click()
        expect(down.page.locator(".rw-conversation-container")).to_be_visible()
        expect(notice).to_be_visible()
        foreground, background = down.page.evaluate(COLORS_JS, ".ac-unavailable")
        assert contrast(foreground, background) >= 4.5
        down.screenshot("assistant-down-open")
    finally:
        down.page.context.close()

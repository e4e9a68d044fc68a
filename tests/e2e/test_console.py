"""End to end: real conversations with the real Rasa server, then staff use the console in Chromium.

The console reads the tracker store the session's Rasa server writes (SQLite), through the
redacting tracker store configured in endpoints.yml.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import yaml

from console.app import create_app
from console.auth import create_user
from console.config import Settings
from console.db import make_engine
from console.migrate import upgrade
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import ARTIFACTS, Conversation, in_ci

pytestmark = [pytest.mark.e2e, pytest.mark.browser]  # the real servers, and headless Chromium


PASSWORD = "contraseña-de-prueba-1"
PERSONAL = {
    "dni": ("estoy varado en Bolivia y mi DNI es 45678912", "45678912"),
    "pasaporte": ("estoy varado en Bolivia, perdí mi pasaporte AB1234567", "AB1234567"),
    "móvil +51": ("estoy varado en Bolivia y mi celular es +51 987 654 321", "987 654 321"),
    "móvil": ("estoy varado en Bolivia, llámeme al 912345678", "912345678"),
    "correo": ("estoy varado en Bolivia, escríbame a juan.perez@gmail.com", "juan.perez@gmail.com"),
    "tarjeta": ("estoy varado en Bolivia y pagué con la tarjeta 4111 1111 1111 1111", "4111 1111 1111 1111"),
}


@pytest.fixture(scope="module")
def chats(servers):
    """Citizens talk to the real assistant: an answer, a fallback, a handoff, an honest no, personal data."""
    senders = {}
    for name, messages in {
        "respuesta": ["¿Cuántos peruanos fueron repatriados desde Jamaica?"],
        "fallback": ["asdkjh qwpoeiru zxmnv"],
        "humano": ["quiero hablar con un funcionario"],
        "sin_fuente": ["cuanto cuesta renovar mi pasaporte en el consulado de madrid?"],
    }.items():
        chat = Conversation(servers.rasa_url)
        senders[name] = (chat, [chat.reply_text(m) for m in messages])
    for name, (text, _) in PERSONAL.items():  # one citizen each, as a first message
        chat = Conversation(servers.rasa_url)
        senders[name] = (chat, [chat.reply_text(text)])
    return senders


def tracker_db(servers) -> Path:
    return Path(servers.env["TRACKER_STORE_URL"].replace("sqlite:///", ""))


def test_personal_data_is_nowhere_in_the_database_and_the_bot_understood(servers, chats):
    for name in PERSONAL:  # each message was understood as "stranded in Bolivia" and answered
        [reply] = chats[name][1]
        assert "consulado del Perú más cercano" in reply and "72 peruanos" in reply, name
    db = tracker_db(servers)
    with sqlite3.connect(db) as conn:
        intents = [conn.execute("SELECT intent_name FROM events WHERE sender_id = ? AND type_name = 'user'",
                                (chats[name][0].sender,)).fetchone()[0] for name in PERSONAL]
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        dump = "\n".join(" | ".join(map(str, row)) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"'))
    assert intents == ["report_stranded"] * len(PERSONAL)
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))  # the file, and any journal
    for name, (_, secret) in PERSONAL.items():
        variants = {secret, secret.replace(" ", ""), secret.replace(" ", "-")}
        for value in variants:
            assert value not in dump, name
            assert value.encode() not in raw, name


@pytest.fixture(scope="module")
def console_url(servers, chats, tmp_path_factory):
    """The real console over the session's tracker store, served by waitress on a free port."""
    from waitress.server import create_server

    url = servers.env["TRACKER_STORE_URL"]
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        create_user(conn, "revisora", PASSWORD, "reviewer")
    app = create_app(Settings(db_url=url, secret_key="clave-e2e-" * 4), engine, index_interval=0)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"No se encontró Chromium en {CHROMIUM}; instálelo con scripts/install-chromium."
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def test_staff_find_a_fallback_correct_it_and_export_nlu(console_url, browser, chats, tmp_path):
    fallback_text = "asdkjh qwpoeiru zxmnv"
    page = browser.new_page(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page.goto(f"{console_url}/conversaciones")
    assert "/login" in page.url  # not logged in yet
    page.fill("input[name=usuario]", "revisora")
    page.fill("input[name=contrasena]", "equivocada-123")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "Usuario o contraseña incorrectos."
    page.fill("input[name=usuario]", "revisora")
    page.fill("input[name=contrasena]", PASSWORD)
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Conversaciones"

    page.check("input[name=fallback]")
    page.click("text=Filtrar")
    rows = page.locator("tbody tr")
    texts = rows.all_inner_texts()
    assert any(fallback_text in t for t in texts)
    assert not any("Jamaica" in t for t in texts)
    assert all("no entendió" in t for t in texts)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-list.png"))

    page.click(f"text={fallback_text}")
    assert page.locator("h1").inner_text().startswith("Conversación")
    message = page.locator(".turno.usuario", has_text=fallback_text)
    assert message.locator(".intencion").inner_text() == "nlu_fallback"
    assert "no entendió" in message.inner_text()
    assert "Disculpe, no logré entender su mensaje." in page.locator(".turno.asistente").first.inner_text()
    message.locator("select[name=intencion]").select_option("ask_procedures")
    message.locator("button", has_text="Guardar").click()
    assert "Intención corregida a «ask_procedures»." in page.locator(".avisos").inner_text()
    assert "Corregida a: ask_procedures" in page.locator(".turno.usuario", has_text=fallback_text).inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-transcript.png"), full_page=True)

    with page.expect_download() as info:
        page.click("text=Exportar correcciones")
    path = tmp_path / "correcciones.yml"
    info.value.save_as(path)
    content = path.read_text(encoding="utf-8")
    data = yaml.safe_load(content)
    assert data["version"] == "3.1"
    assert {"intent": "ask_procedures", "examples": f"- {fallback_text}\n"} in data["nlu"]
    # Rasa itself reads it as NLU training data.
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    training = RasaYAMLReader().reads(content)
    assert [(m.get("text"), m.get("intent")) for m in training.intent_examples] == [(fallback_text, "ask_procedures")]

    page.goto(f"{console_url}/panel")
    assert page.locator(".grafico svg").count() == 3
    assert fallback_text in page.locator("table#sin-respuesta").inner_text()
    page.goto(f"{console_url}/auditoria")
    assert "Esta página es solo para administradores." in page.content()
    page.close()


def test_unauthenticated_browser_sees_only_the_login(console_url, browser):
    page = browser.new_page()
    for path in ["/", "/conversaciones", "/conversaciones/1", "/panel", "/auditoria"]:
        page.goto(console_url + path)
        assert "/login" in page.url and page.locator("h1").inner_text() == "Iniciar sesión"
    response = page.request.get(f"{console_url}/exportar/correcciones.yml")
    assert response.status == 401
    page.close()

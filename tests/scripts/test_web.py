"""The demo page's web server: what it serves, what it refuses, the headers it sends."""
import threading

import pytest
import requests

from scripts.serve import free_port
from scripts.web import WEB_DIR, make_server

RASA_URL = "http://127.0.0.1:5999"


@pytest.fixture(scope="module")
def site():
    if not (WEB_DIR / "vendor" / "rasa-webchat.js").is_file():
        pytest.fail("Falta web/vendor/rasa-webchat.js; `make install` lo prepara.")
    server = make_server(free_port(), RASA_URL)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/", "text/html"),
        ("/demo.js", "javascript"),
        ("/chat/asistente-consular.js", "javascript"),
        ("/chat/asistente-consular.css", "text/css"),
        ("/vendor/rasa-webchat.js", "javascript"),
        ("/img/escudo.svg", "image/svg+xml"),
    ],
)
def test_the_page_and_the_widget_are_served(site, path, kind):
    response = requests.get(site + path, timeout=10)
    assert response.status_code == 200 and kind in response.headers["Content-Type"]


def test_the_page_is_spanish_and_loads_the_widget_from_this_server(site):
    page = requests.get(site + "/", timeout=10).text
    assert '<html lang="es">' in page
    for script in ["vendor/rasa-webchat.js", "chat/asistente-consular.js", "config.js", "demo.js"]:
        assert f'<script src="{script}"></script>' in page
    assert "http://" not in page.replace('href="https://www.gob.pe/rree"', "") and "cdn" not in page.lower()


def test_config_tells_the_page_where_rasa_is(site):
    response = requests.get(site + "/config.js", timeout=10)
    assert response.status_code == 200 and "javascript" in response.headers["Content-Type"]
    assert 'window.ASISTENTE_CONSULAR_CONFIG = {"socketUrl": "http://127.0.0.1:5999"};' in response.text


@pytest.mark.parametrize(
    "path",
    ["/package.json", "/package-lock.json", "/node_modules/rasa-webchat/package.json", "/chat/", "/vendor/",
     "/../Makefile", "/chat/../../Makefile", "/%2e%2e/Makefile", "/credentials.yml", "/nada.html"],
)
def test_nothing_else_is_served(site, path):
    response = requests.get(site + path, timeout=10)
    assert response.status_code == 404


def test_the_security_policy_allows_only_this_server_and_rasa(site):
    headers = requests.get(site + "/", timeout=10).headers
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"  # no inline scripts: onerror=... and javascript: links cannot run
    assert policy["connect-src"] == "'self' http://127.0.0.1:5999 ws://127.0.0.1:5999"
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"

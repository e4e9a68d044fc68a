"""The console's protections, each asserted as a user or an attacker would see it:

- after login, only same-site paths (no open redirect, no 500 on a line break);
- CSV exports neutralise what spreadsheets evaluate (OWASP CSV injection);
- the session cookie's flags (HttpOnly, SameSite, Secure when configured or behind HTTPS);
- failed logins throttled per user name and client address, and per address; good logins
  never; counters shared through Redis between app instances;
- the client address comes from trusted proxies only, for the throttling and the audit log;
- throttled logins, CSRF failures and refused admin pages are audited.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
import redis
from sqlalchemy import select

from console.app import create_app
from console.config import Settings
from console.models import audit
from console.text import clean_text
from scripts.serve import free_port
from tests.conftest import REDIS_URL
from tests.console.conftest import PASSWORD, csrf_token, write_conversation

SECRET = "clave-de-prueba-" * 4


@pytest.fixture
def make_app(sqlite_engine, users):
    """A console over the seeded SQLite database, with settings changed as a test needs."""

    def make(**changes):
        values = dict(db_url=str(sqlite_engine.url), secret_key=SECRET, redis_url="", trusted_proxies=0)
        values.update(changes)
        app = create_app(Settings(**values), sqlite_engine, index_interval=0)
        app.config["TESTING"] = True
        return app

    return make


def login(client, username="ana", password=PASSWORD, path="/login", address="10.0.0.1", **headers):
    """Post the login form from `address` (the TCP peer of the request)."""
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client, path)
    return client.post(path, data={"usuario": username, "contrasena": password, "csrf_token": token}, headers=headers)


def audited(app, action):
    with app.extensions["console"]["engine"].connect() as conn:
        return [(r.username, r.target, r.ip) for r in conn.execute(select(audit).where(audit.c.action == action))]


# --- after login: same-site paths only -----------------------------------------------------

HOSTILE_TARGETS = [
    "/%09/evil.example",  # a tab: browsers drop it and go to //evil.example
    "/%0A/evil.example",  # line breaks: a 500 before, or a header split
    "/%0D/evil.example",
    "/%0D%0ASet-Cookie:%20x=1",
    "//evil.example",
    "///evil.example",
    "/%2F/evil.example",
    "https://evil.example/",
    "https:evil.example",
    "http:/evil.example",
    "//evil.example/%2F..",
    "/%5Cevil.example",  # browsers read a backslash as a slash
    "/%5C/evil.example",
    "%5C%5Cevil.example",
    "javascript:alert(1)",
    "%20//evil.example",
    "evil.example",
    "/%7F/evil.example",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_after_login_only_same_site_paths(app, target):
    client = app.test_client()
    response = login(client, path=f"/login?siguiente={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/conversaciones"
    # Already logged in, the login page sends to the same place.
    again = client.get(f"/login?siguiente={target}")
    assert again.status_code == 302 and again.headers["Location"] == "/conversaciones"


def test_after_login_the_page_asked_for_is_kept(app):
    client = app.test_client()
    asked = client.get("/panel?desde=2026-11-01&hasta=2026-11-30")
    assert asked.status_code == 302
    response = login(client, path=asked.headers["Location"])
    assert response.headers["Location"] == "/panel?desde=2026-11-01&hasta=2026-11-30"
    client = app.test_client()
    kept = login(client, path="/login?siguiente=" + quote("/conversaciones?canal=twilio&q=día", safe=""))
    assert kept.headers["Location"] == "/conversaciones?canal=twilio&q=d%C3%ADa"


# --- CSV injection ---------------------------------------------------------------------------

FORMULAS = [
    "=1+1",
    " =1+1",  # after spaces
    "   +1+1",
    "\u00a0=1+1",  # a non-breaking space
    "\u3000=1+1",  # an ideographic space
    "\u200b=1+1",  # a zero-width space
    "＝1+1",  # full-width equals sign
    "＋1+1",
    "－1+1",
    "＠SUM(1+1)",
    "\n=1+1",  # a line break, then the formula
    "\r\n=1+1",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example","pulse aquí")',
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
]
HARMLESS = ["quiero votar = sí", "hola", "¿cuánto cuesta?"]


def test_csv_export_neutralises_formulas(app, admin_client):
    from privacy.tracker_store import RedactingSQLTrackerStore

    store = RedactingSQLTrackerStore(host=str(app.extensions["console"]["engine"].url))
    write_conversation(
        store,
        "formulas",
        [(text, "ask_procedures", 0.9, "action_answer_topic", "Respuesta.", None) for text in FORMULAS + HARMLESS],
    )
    store.engine.dispose()
    body = admin_client.get("/exportar/conversaciones.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = [r for r in csv.DictReader(io.StringIO(body)) if r["remitente"] == "formulas"]
    cells = [r["mensaje"] for r in rows]
    assert len(cells) == len(FORMULAS) + len(HARMLESS)
    for text in FORMULAS:
        assert "'" + clean_text(text) in cells, repr(text)
    for text in HARMLESS:
        assert text in cells
    assert body.startswith('"conversacion","remitente"')  # every cell quoted


# --- the session cookie --------------------------------------------------------------------


def session_cookie(response) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("consola_sesion=")]
    return cookie


def test_session_cookie_is_httponly_and_samesite(make_app):
    cookie = session_cookie(login(make_app().test_client()))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on 127.0.0.1 (make console): a Secure cookie would never come back


def test_session_cookie_is_secure_when_configured(make_app):
    cookie = session_cookie(login(make_app(secure_cookies=True).test_client()))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_session_cookie_is_secure_behind_https_through_a_trusted_proxy(make_app):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "Referer": "https://localhost/login"}
    behind = login(make_app(trusted_proxies=1).test_client(), **https)
    assert behind.status_code == 302 and "Secure" in session_cookie(behind)
    # Without a trusted proxy, anybody can send the header: it is ignored.
    direct = login(make_app(trusted_proxies=0).test_client(), **https)
    assert direct.status_code == 302 and "Secure" not in session_cookie(direct)


# --- login throttling ----------------------------------------------------------------------


def test_good_logins_never_lock_anyone_out(app):
    for _ in range(12):
        client = app.test_client()
        assert login(client).status_code == 302
        assert client.get("/conversaciones").status_code == 200


def test_failures_are_throttled_per_name_and_address(app):
    for _ in range(5):
        assert login(app.test_client(), password="equivocada-123").status_code == 401
    blocked = login(app.test_client())  # even with the right password
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"
    assert "Demasiados intentos fallidos" in blocked.get_data(as_text=True)
    assert audited(app, "login_bloqueado") == [("ana", "", "10.0.0.1")]
    # A colleague guessing from elsewhere does not lock ana out, nor does ana's address lock luis.
    assert login(app.test_client(), address="10.0.0.2").status_code == 302
    assert login(app.test_client(), username="luis").status_code == 302


def test_a_good_login_forgets_that_names_failures(app):
    for _ in range(4):
        login(app.test_client(), password="equivocada-123")
    assert login(app.test_client()).status_code == 302
    for _ in range(4):
        assert login(app.test_client(), password="equivocada-123").status_code == 401
    assert login(app.test_client()).status_code == 302


def test_one_address_trying_many_names_is_throttled(make_app):
    app = make_app(login_address_limit="6 per minute")
    for i in range(6):
        assert login(app.test_client(), username=f"nombre{i}", password="x" * 12).status_code == 401
    assert login(app.test_client(), username="luis").status_code == 429
    assert login(app.test_client(), username="luis", address="10.0.0.9").status_code == 302


def test_failures_are_shared_between_app_instances_through_redis(make_app, redis_prefix):
    first = make_app(redis_url=REDIS_URL, redis_prefix=redis_prefix)
    second = make_app(redis_url=REDIS_URL, redis_prefix=redis_prefix)
    for app in (first, second, first, second, first):
        assert login(app.test_client(), password="equivocada-123").status_code == 401
    assert login(second.test_client()).status_code == 429
    assert login(first.test_client()).status_code == 429
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{redis_prefix}*")
    assert keys and not any(b"ana" in key for key in keys)  # the name is hashed


def test_without_redis_each_instance_counts_alone(make_app):
    """The control of the test above: in memory, two instances do not share their counts."""
    first, second = make_app(), make_app()
    for app in (first, second, first, second, first):
        assert login(app.test_client(), password="equivocada-123").status_code == 401
    assert login(second.test_client()).status_code == 302


def test_when_redis_does_not_answer_logins_work_and_are_still_throttled(make_app, caplog):
    app = make_app(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert login(app.test_client()).status_code == 302
    for _ in range(5):
        assert login(app.test_client(), password="equivocada-123").status_code == 401
    assert login(app.test_client()).status_code == 429
    assert sum("Redis does not answer" in r.getMessage() for r in caplog.records) == 1


# --- the client's address ------------------------------------------------------------------


def test_the_address_comes_from_the_trusted_proxy(make_app):
    app = make_app(trusted_proxies=1)
    # The proxy appends the address it sees; what the client wrote before it is not trusted.
    client_says = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    for _ in range(5):
        failed = login(app.test_client(), password="equivocada-123", address="127.0.0.1", **client_says)
        assert failed.status_code == 401
    assert login(app.test_client(), address="127.0.0.1", **client_says).status_code == 429
    other = login(app.test_client(), address="127.0.0.1", **{"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 302
    ips = {ip for _, _, ip in audited(app, "login_fallido")}
    assert ips == {"203.0.113.7"} and ("ana", "", "203.0.113.8") in audited(app, "inicio_sesion")


def test_without_trusted_proxies_the_header_is_ignored(make_app):
    """A client rotating X-Forwarded-For neither escapes the throttling nor writes the audit log's address."""
    app = make_app(trusted_proxies=0)
    for i in range(5):
        forged = {"X-Forwarded-For": f"198.51.100.{i}"}
        assert login(app.test_client(), password="equivocada-123", address="10.0.0.5", **forged).status_code == 401
    assert login(app.test_client(), address="10.0.0.5", **{"X-Forwarded-For": "198.51.100.99"}).status_code == 429
    assert {ip for _, _, ip in audited(app, "login_fallido")} == {"10.0.0.5"}


# --- refusals in the audit log ---------------------------------------------------------------


def test_refused_admin_pages_are_audited(app, reviewer_client):
    assert reviewer_client.get("/auditoria?usuario=ana").status_code == 403
    assert audited(app, "acceso_denegado") == [("luis", "/auditoria", "127.0.0.1")]


def test_csrf_failures_are_audited(app, admin_client):
    assert admin_client.post("/conversaciones/1/notas", data={"nota": "hola"}).status_code == 400
    anonymous = app.test_client()
    anonymous.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    refused = anonymous.post("/login", data={"usuario": "Mallory\x00", "contrasena": "x", "csrf_token": "falso"})
    assert refused.status_code == 400
    assert audited(app, "csrf_rechazado") == [
        ("ana", "/conversaciones/1/notas", "127.0.0.1"),
        ("mallory", "/login", "10.0.0.66"),
    ]
    page = admin_client.get("/auditoria").get_data(as_text=True)
    assert "Formulario rechazado (token CSRF no válido)" in page

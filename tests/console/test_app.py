"""The web console through Flask's test client: login, sessions, CSRF, roles, exports, audit."""

import csv
import io
import json
import time

import pytest
import yaml
from sqlalchemy import select

from console.models import audit, conversations
from tests.console.conftest import PASSWORD, csrf_token, log_in

SAMPLE_ARGS = {"conversation_id": 1, "event_id": 1}


def every_route(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "auth.login":
            continue
        path = rule.build({k: v for k, v in SAMPLE_ARGS.items() if k in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def test_every_route_refuses_unauthenticated_requests(app):
    client = app.test_client()
    routes = list(every_route(app))
    assert len(routes) >= 14
    for method, path in routes + [("GET", "/no-existe"), ("GET", "/static/x.css")]:
        response = client.open(path, method=method)
        assert response.status_code in (302, 401), (method, path)
        if response.status_code == 302:
            assert response.location.startswith("/login"), (method, path)
        body = response.get_data(as_text=True)
        assert "Jamaica" not in body and "nlu" not in body


def test_login_needs_csrf_right_password_and_is_rate_limited(app):
    client = app.test_client()
    assert client.post("/login", data={"usuario": "ana", "contrasena": PASSWORD}).status_code == 400
    wrong = log_in(client, "ana", "contraseña-equivocada")
    assert wrong.status_code == 401 and "Usuario o contraseña incorrectos." in wrong.get_data(as_text=True)
    statuses = [log_in(client, "ana", "otra-equivocada").status_code for _ in range(6)]
    assert statuses[-1] == 429
    assert "Demasiados intentos" in log_in(client, "ana").get_data(as_text=True)
    with app.extensions["console"]["engine"].connect() as conn:
        actions = list(conn.scalars(select(audit.c.action)))
    assert actions.count("login_fallido") >= 4


def test_login_then_list_filter_and_logout_ends_the_session(app, admin_client):
    page = admin_client.get("/conversaciones?fallback=1").get_data(as_text=True)
    assert "1 conversaciones" in page and "no entendió</span>" in page and "Jamaica" not in page
    cookie = admin_client.get_cookie("consola_sesion").value
    token = csrf_token(admin_client, "/conversaciones")
    assert admin_client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("consola_sesion", cookie)
    assert thief.get("/conversaciones").status_code == 302  # the old cookie no longer works


def test_sessions_expire_after_inactivity(app, admin_client):
    with admin_client.session_transaction() as session:
        session["seen"] = time.time() - 31 * 60
    response = admin_client.get("/conversaciones")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert "caducó" in admin_client.get("/login").get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(admin_client, app):
    response = admin_client.post("/conversaciones/1/notas", data={"nota": "hola"})
    assert response.status_code == 400 and "El formulario caducó" in response.get_data(as_text=True)


def conversation_id(app, sender):
    with app.extensions["console"]["engine"].connect() as conn:
        return conn.scalar(select(conversations.c.id).where(conversations.c.sender_id == sender))


def test_review_tag_note_and_correct_then_export_nlu(app, admin_client):
    admin_client.get("/conversaciones")  # indexes
    cid = conversation_id(app, "fallo-ayer")
    page = admin_client.get(f"/conversaciones/{cid}").get_data(as_text=True)
    assert "asdkjh qwpoeiru" in page and "nlu_fallback" in page and "no logré entender" in page
    token = csrf_token(admin_client, f"/conversaciones/{cid}")
    admin_client.post(f"/conversaciones/{cid}/revisada", data={"revisada": "1", "csrf_token": token})
    admin_client.post(f"/conversaciones/{cid}/etiquetas", data={"etiqueta": "Trámites", "csrf_token": token})
    admin_client.post(f"/conversaciones/{cid}/notas", data={"nota": "Falta un ejemplo <b>así</b>", "csrf_token": token})
    import re

    event_id = re.findall(r'data-evento="(\d+)"', page)[1]
    done = admin_client.post(
        f"/conversaciones/{cid}/mensajes/{event_id}/intencion",
        data={"intencion": "ask_procedures", "csrf_token": token},
        follow_redirects=True,
    )
    text = done.get_data(as_text=True)
    assert "Intención corregida a «ask_procedures»." in text and "Corregida a: ask_procedures" in text
    assert "Revisada" in text and "trámites" in text and "Falta un ejemplo &lt;b&gt;así&lt;/b&gt;" in text
    bad = admin_client.post(
        f"/conversaciones/{cid}/mensajes/{event_id}/intencion",
        data={"intencion": "inventada", "csrf_token": token},
        follow_redirects=True,
    )
    assert "no existe en el dominio" in bad.get_data(as_text=True)
    reviewed = admin_client.get("/conversaciones?revisada=si").get_data(as_text=True)
    assert "1 conversaciones" in reviewed and f'/conversaciones/{cid}"' in reviewed

    exported = admin_client.get("/exportar/correcciones.yml")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    data = yaml.safe_load(exported.get_data(as_text=True))
    assert data == {"version": "3.1", "nlu": [{"intent": "ask_procedures", "examples": "- asdkjh qwpoeiru\n"}]}
    with app.extensions["console"]["engine"].connect() as conn:
        rows = [(r.username, r.action) for r in conn.execute(select(audit))]
    for action in ("ver_conversacion", "corregir_intencion", "marcar_revisada", "etiquetar", "nota", "exportar_nlu"):
        assert ("ana", action) in rows


def test_csv_and_jsonl_exports_follow_the_filters(app, admin_client):
    body = admin_client.get("/exportar/conversaciones.csv?sin_respuesta=1").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert {r["remitente"] for r in rows} == {"fallo-ayer", "sin-fuente", "fuera-de-alcance"}
    assert any(r["mensaje"] == "¿Cuánto cuesta el pasaporte en Madrid? Mi DNI es «DNI»" for r in rows)
    lines = admin_client.get("/exportar/conversaciones.jsonl?canal=whatsapp").get_data(as_text=True).splitlines()
    [conversation] = [json.loads(line) for line in lines if line]
    assert conversation["canal"] == "WhatsApp" and conversation["mensajes"][0]["intencion"] == "request_human"
    assert conversation["mensajes"][1]["tipo"] == "asistente"


def test_audit_log_is_for_admins_only(app, admin_client, reviewer_client):
    reviewer_client.get("/exportar/conversaciones.csv")
    assert reviewer_client.get("/auditoria").status_code == 403
    page = admin_client.get("/auditoria").get_data(as_text=True)
    assert "Exportó conversaciones (CSV)" in page and "luis" in page


@pytest.mark.parametrize(
    "query",
    [
        "?desde=ayer&hasta=%00",
        "?confianza=NaN",
        "?pagina=99999999999999999999",
        "?q=" + "%FF%FE" * 300,
        "?intencion=' OR 1=1 --",
        "?etiqueta=" + "x" * 10000,
    ],
)
def test_hostile_filters_get_a_page_not_a_crash(admin_client, query):
    response = admin_client.get("/conversaciones" + query)
    assert response.status_code == 200 and "Conversaciones" in response.get_data(as_text=True)


def test_hostile_form_input(app, admin_client):
    admin_client.get("/conversaciones")
    cid = conversation_id(app, "ok-jamaica")
    token = csrf_token(admin_client, f"/conversaciones/{cid}")
    big = admin_client.post(f"/conversaciones/{cid}/notas", data={"nota": "x" * 100000, "csrf_token": token})
    assert big.status_code == 413
    empty = admin_client.post(
        f"/conversaciones/{cid}/etiquetas", data={"etiqueta": "  ", "csrf_token": token}, follow_redirects=True
    )
    assert "La etiqueta debe tener" in empty.get_data(as_text=True)
    assert admin_client.get("/conversaciones/999999").status_code == 404

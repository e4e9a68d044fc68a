"""The staff console: a Flask application over the tracker store's database.

Every route needs a logged-in staff member (the login form is the only exception);
forms carry a CSRF token (Flask-WTF); login attempts are rate-limited (Flask-Limiter);
sessions end after CONSOLE_SESSION_MINUTES without activity, after
CONSOLE_SESSION_MAX_HOURS in any case, and on logout (every device of that user).
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from functools import wraps
from pathlib import Path
from typing import Any, Callable, List, Optional
from zoneinfo import ZoneInfo

import yaml
from flask import (Flask, Response, abort, flash, g, redirect, render_template, request, session,
                   stream_with_context, url_for)
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.engine import Engine

import settings as shared_settings
from console import audit, auth, charts, exports, queries, work
from console import text as T
from console.config import Settings, secret_key
from console.db import make_engine
from console.indexer import Indexer

logger = logging.getLogger(__name__)
DOMAIN_FILE = shared_settings.DOMAIN_FILE
PUBLIC_ENDPOINTS = {"login"}


def domain_intents(path: Path = DOMAIN_FILE) -> List[str]:
    """The intents a message can be corrected to: the assistant's domain's."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        logger.exception("Cannot read the domain %s", path)
        return []
    names = []
    for item in data.get("intents") or []:
        names.append(next(iter(item)) if isinstance(item, dict) else str(item))
    return sorted(names)


def create_app(settings: Optional[Settings] = None, engine: Optional[Engine] = None,
               index_interval: float = 5.0, domain_file: Path = DOMAIN_FILE) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret_key or secret_key(),
        SESSION_COOKIE_NAME="consola_sesion",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
        MAX_CONTENT_LENGTH=64 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    engine = engine or make_engine(settings.db_url)
    zone = ZoneInfo(settings.timezone)
    indexer = Indexer(engine, settings.timezone, min_interval=index_interval)
    intents = domain_intents(domain_file)
    limiter = Limiter(app, key_func=get_remote_address, storage_uri="memory://", headers_enabled=True)
    app.extensions["console"] = {"engine": engine, "indexer": indexer}

    @app.template_filter("local")
    def local_time(value: Any, fmt: str = "%d/%m/%Y %H:%M") -> str:
        if value is None:
            return ""
        if isinstance(value, (int, float)):
            value = datetime.fromtimestamp(value, zone)
        elif isinstance(value, datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(zone)
        return value.strftime(fmt)

    @app.template_filter("percent")
    def percent(value: Optional[float]) -> str:
        return "" if value is None else f"{100 * value:.0f} %"

    app.jinja_env.globals.update(channel_labels=T.CHANNEL_LABELS)

    # --- sessions -------------------------------------------------------------------

    def client_ip() -> str:
        return request.remote_addr or ""

    def log(action: str, target: str = "", detail: str = "") -> None:
        with engine.begin() as conn:
            audit.record(conn, g.user.username if g.get("user") else "", action, target, detail, client_ip())

    @app.before_request
    def require_login() -> Optional[Response]:
        g.user = None
        uid, nonce = session.get("uid"), session.get("nonce")
        now = time.time()
        if uid is not None:
            expired = (now - session.get("seen", 0) > settings.session_minutes * 60
                       or now - session.get("since", 0) > settings.session_max_hours * 3600)
            with engine.connect() as conn:
                user = auth.get_user_by_id(conn, uid)
            if expired or user is None or not user.active or user.session_nonce != nonce:
                session.clear()
                if expired:
                    flash("Su sesión caducó por inactividad. Vuelva a iniciar sesión.", "aviso")
            else:
                g.user = user
                session["seen"] = now
        if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
            if request.method == "GET" and not request.path.startswith("/exportar"):
                return redirect(url_for("login", siguiente=request.full_path if request.query_string else request.path))
            return Response("Debe iniciar sesión.", status=401, mimetype="text/plain")
        return None

    CSRFProtect(app)  # after require_login: an anonymous POST is refused as such (401), not as a bad form

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def admin_required(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not g.user.is_admin:
                abort(403)
            return view(*args, **kwargs)
        return wrapper

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit(settings.login_limit, methods=["POST"])
    def login() -> Any:
        if g.user is not None:
            return redirect(url_for("conversation_list"))
        error = None
        if request.method == "POST":
            username = (request.form.get("usuario") or "")[:64]
            with engine.begin() as conn:
                user = auth.authenticate(conn, username, request.form.get("contrasena") or "")
                if user is None:
                    audit.record(conn, username.strip().lower() or "(vacío)", "login_fallido", ip=client_ip())
                else:
                    audit.record(conn, user.username, "inicio_sesion", ip=client_ip())
            if user is None:
                error = "Usuario o contraseña incorrectos."
            else:
                session.clear()
                session.permanent = True
                session.update(uid=user.id, nonce=user.session_nonce, since=time.time(), seen=time.time())
                target = request.args.get("siguiente") or ""
                if not target.startswith("/") or target.startswith("//"):
                    target = url_for("conversation_list")
                return redirect(target)
        return render_template("login.html", error=error), (401 if error else 200)

    @app.route("/logout", methods=["POST"])
    def logout() -> Any:
        with engine.begin() as conn:
            auth.end_sessions(conn, g.user.id)
            audit.record(conn, g.user.username, "cierre_sesion", ip=client_ip())
        session.clear()
        flash("Sesión cerrada.", "aviso")
        return redirect(url_for("login"))

    # --- conversations ----------------------------------------------------------------

    @app.route("/")
    def home() -> Any:
        return redirect(url_for("conversation_list"))

    @app.route("/conversaciones")
    def conversation_list() -> Any:
        indexer.refresh()
        filters, errors = queries.Filters.from_args(request.args)
        with engine.connect() as conn:
            page = queries.list_conversations(conn, filters, zone, settings.page_size)
            known = queries.known_intents(conn)
            labels = queries.known_tags(conn)
        log("ver_lista", detail=request.query_string.decode("utf-8", "replace")[:1000])
        yesterday = datetime.now(zone).date() - timedelta(days=1)
        return render_template("list.html", page=page, filters=filters, errors=errors, intents=known,
                               tags=labels, yesterday=yesterday)

    def load_conversation(conversation_id: int) -> dict:
        with engine.connect() as conn:
            found = queries.conversation(conn, conversation_id)
        if found is None:
            abort(404)
        return found

    @app.route("/conversaciones/<int:conversation_id>")
    def conversation_view(conversation_id: int) -> Any:
        indexer.refresh()
        found = load_conversation(conversation_id)
        with engine.connect() as conn:
            items = queries.transcript(conn, found["sender_id"], zone)
            staff_work = queries.staff_work(conn, found["sender_id"])
            labels = queries.known_tags(conn)
        log("ver_conversacion", target=found["sender_id"])
        return render_template("transcript.html", conversation=found, items=items, work=staff_work,
                               intents=intents, tags=labels, channel=T.channel_label(found["channel"]),
                               back=request.args.get("volver", ""))

    def back_to(conversation_id: int) -> Any:
        return redirect(url_for("conversation_view", conversation_id=conversation_id))

    @app.route("/conversaciones/<int:conversation_id>/revisada", methods=["POST"])
    def mark_reviewed(conversation_id: int) -> Any:
        found = load_conversation(conversation_id)
        reviewed = request.form.get("revisada") == "1"
        with engine.begin() as conn:
            work.set_reviewed(conn, found["sender_id"], g.user.username, reviewed)
            audit.record(conn, g.user.username, "marcar_revisada" if reviewed else "desmarcar_revisada",
                         found["sender_id"], ip=client_ip())
        flash("Conversación marcada como revisada." if reviewed else "Se quitó la marca de revisada.", "ok")
        return back_to(conversation_id)

    @app.route("/conversaciones/<int:conversation_id>/etiquetas", methods=["POST"])
    def add_tag(conversation_id: int) -> Any:
        found = load_conversation(conversation_id)
        try:
            with engine.begin() as conn:
                tag = work.add_tag(conn, found["sender_id"], request.form.get("etiqueta") or "", g.user.username)
                audit.record(conn, g.user.username, "etiquetar", found["sender_id"], tag, client_ip())
            flash(f"Etiqueta «{tag}» añadida.", "ok")
        except work.WorkError as error:
            flash(str(error), "error")
        return back_to(conversation_id)

    @app.route("/conversaciones/<int:conversation_id>/etiquetas/quitar", methods=["POST"])
    def remove_tag(conversation_id: int) -> Any:
        found = load_conversation(conversation_id)
        tag = (request.form.get("etiqueta") or "")[:64]
        with engine.begin() as conn:
            work.remove_tag(conn, found["sender_id"], tag)
            audit.record(conn, g.user.username, "quitar_etiqueta", found["sender_id"], tag, client_ip())
        flash(f"Etiqueta «{tag}» quitada.", "ok")
        return back_to(conversation_id)

    @app.route("/conversaciones/<int:conversation_id>/notas", methods=["POST"])
    def add_note(conversation_id: int) -> Any:
        found = load_conversation(conversation_id)
        try:
            with engine.begin() as conn:
                work.add_note(conn, found["sender_id"], request.form.get("nota") or "", g.user.username)
                audit.record(conn, g.user.username, "nota", found["sender_id"], ip=client_ip())
            flash("Nota guardada.", "ok")
        except work.WorkError as error:
            flash(str(error), "error")
        return back_to(conversation_id)

    @app.route("/conversaciones/<int:conversation_id>/mensajes/<int:event_id>/intencion", methods=["POST"])
    def correct_intent(conversation_id: int, event_id: int) -> Any:
        found = load_conversation(conversation_id)
        intent = (request.form.get("intencion") or "").strip()
        try:
            with engine.begin() as conn:
                work.correct_intent(conn, found["sender_id"], event_id, intent, g.user.username, intents)
                audit.record(conn, g.user.username, "corregir_intencion", found["sender_id"],
                             f"evento {event_id}: {intent or '(sin corrección)'}", client_ip())
            flash(f"Intención corregida a «{intent}»." if intent else "Corrección eliminada.", "ok")
        except work.WorkError as error:
            flash(str(error), "error")
        return redirect(url_for("conversation_view", conversation_id=conversation_id) + f"#m{event_id}")

    # --- dashboard ---------------------------------------------------------------------

    @app.route("/panel")
    def dashboard() -> Any:
        indexer.refresh()
        today = datetime.now(zone).date()
        filters, errors = queries.Filters.from_args(request.args)
        last = filters.date_to or today
        first = filters.date_from or (last - timedelta(days=29))
        if (last - first).days > 366:
            errors.append("El panel muestra como máximo un año; se acortó el periodo.")
            first = last - timedelta(days=366)
        with engine.connect() as conn:
            board = queries.dashboard(conn, first, last)
        log("ver_panel", detail=f"{first.isoformat()} a {last.isoformat()}")
        return render_template(
            "dashboard.html", board=board, first=first, last=last, errors=errors,
            volume_svg=charts.volume_chart(board.days, board.conversations, board.messages),
            rates_svg=charts.rates_chart(board.days, board.fallback_rate, board.handoff_rate),
            intents_svg=charts.intents_chart(board.top_intents),
        )

    # --- exports ---------------------------------------------------------------------------

    def download(body: Any, filename: str, mimetype: str) -> Response:
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @app.route("/exportar/correcciones.yml")
    def export_nlu() -> Any:
        with engine.connect() as conn:
            body = exports.nlu_yaml(conn, g.user.username, datetime.now(zone))
        log("exportar_nlu", detail=f"{body.count(chr(10) + '    - ')} ejemplos")
        return download(body, "correcciones.yml", "application/yaml; charset=utf-8")

    def export_conversations(kind: str, write: Callable[..., Any], mimetype: str) -> Response:
        """The filtered conversations as a download, streamed; the audit log keeps the filters."""
        indexer.refresh()
        filters, _ = queries.Filters.from_args(request.args)
        log(f"exportar_{kind}", detail=request.query_string.decode("utf-8", "replace")[:1000])
        body = stream_with_context(write(engine, filters, zone))
        return download(body, f"conversaciones.{kind}", mimetype)

    @app.route("/exportar/conversaciones.csv")
    def export_csv() -> Any:
        return export_conversations("csv", exports.conversations_csv, "text/csv; charset=utf-8")

    @app.route("/exportar/conversaciones.jsonl")
    def export_jsonl() -> Any:
        return export_conversations("jsonl", exports.conversations_jsonl, "application/x-ndjson; charset=utf-8")

    # --- audit ---------------------------------------------------------------------------------

    @app.route("/auditoria")
    @admin_required
    def audit_log() -> Any:
        try:
            page = max(1, int(request.args.get("pagina") or 1))
        except ValueError:
            page = 1
        who = (request.args.get("usuario") or "").strip().lower()[:64]
        with engine.connect() as conn:
            result = audit.entries(conn, page, username=who)
        log("ver_auditoria", detail=f"página {page}" + (f", usuario {who}" if who else ""))
        return render_template("audit.html", result=result, page=page, who=who)

    # --- errors ----------------------------------------------------------------------------------

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return render_template("error.html", title="Formulario caducado",
                               message="El formulario caducó o no es válido. Vuelva a cargar la página e inténtelo de nuevo."), 400

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> Any:
        return render_template("login.html", error="Demasiados intentos de inicio de sesión. Espere un minuto e inténtelo de nuevo."), 429

    @app.errorhandler(403)
    def forbidden(error: Any) -> Any:
        return render_template("error.html", title="Acceso restringido",
                               message="Esta página es solo para administradores."), 403

    @app.errorhandler(404)
    def not_found(error: Any) -> Any:
        return render_template("error.html", title="No encontrado", message="La página o conversación no existe."), 404

    @app.errorhandler(405)
    def not_allowed(error: Any) -> Any:
        return render_template("error.html", title="Acción no permitida", message="Esa acción no está permitida aquí."), 405

    @app.errorhandler(413)
    def too_large(error: Any) -> Any:
        return render_template("error.html", title="Demasiado grande", message="El formulario enviado es demasiado grande."), 413

    @app.errorhandler(500)
    def server_error(error: Any) -> Any:
        return render_template("error.html", title="Error", message="Ocurrió un error inesperado. Inténtelo de nuevo; si persiste, avise al administrador."), 500

    return app

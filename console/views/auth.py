"""Login, logout, and the login check in front of every page.

A session holds the user's id, the user's session nonce (changed on logout, password
change or deactivation: every device is logged out) and two times: since (the login;
CONSOLE_SESSION_MAX_HOURS) and seen (the last request; CONSOLE_SESSION_MINUTES).

Failed logins are throttled per user name and client address (console.throttle); after
a login, the browser goes back to the page it asked for (`?siguiente=`) only if that is
a path of this site (`safe_target`).
"""

from __future__ import annotations

import time
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, session, url_for

from console import audit, auth
from console.db import get_engine
from console.errors import TOO_MANY_LOGINS
from console.text import clean_name
from console.throttle import get_throttle
from console.views.common import audited, client_ip

bp = Blueprint("auth", __name__)

# The only page anyone may see without logging in.
PUBLIC_ENDPOINTS = {"auth.login"}


@bp.before_app_request
def require_login() -> Optional[Response]:
    """Load the logged-in user into g.user; send anyone else to the login form (401 for a POST or an export)."""
    g.user = None
    uid, nonce = session.get("uid"), session.get("nonce")
    now = time.time()
    if uid is not None:
        config = current_app.config
        expired = (
            now - session.get("seen", 0) > config["CONSOLE_SESSION_MINUTES"] * 60
            or now - session.get("since", 0) > config["CONSOLE_SESSION_MAX_HOURS"] * 3600
        )
        with get_engine().connect() as conn:
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
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.login", siguiente=target))
        return Response("Debe iniciar sesión.", status=401, mimetype="text/plain")
    return None


def safe_target(target: Optional[str]) -> Optional[str]:
    """`target` as a path of this site to redirect to, or None if it could lead elsewhere.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so "/",
    a tab, "/evil.example" or "/", a backslash, "evil.example" become "//evil.example", another site: a
    target with any control character or backslash is refused, and what is left must parse
    as a path alone (no scheme, no host) that does not start with "//".
    """
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch < " " or ch in "\x7f\\" for ch in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def after_login() -> Response:
    return redirect(safe_target(request.args.get("siguiente")) or url_for("conversations.index"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if g.user is not None:
        return after_login()
    if request.method == "GET":
        return render_template("login.html", error=None)
    name = (clean_name(request.form.get("usuario"), 64) or "").lower()
    address = client_ip()
    throttle = get_throttle()
    if not throttle.allowed(name, address):
        # Refused without checking the password, so that guessing goes no faster.
        with get_engine().begin() as conn:
            audit.record(conn, name or "(vacío)", "login_bloqueado", ip=address)
        response = Response(render_template("login.html", error=TOO_MANY_LOGINS), status=429)
        response.headers["Retry-After"] = "60"
        return response
    with get_engine().begin() as conn:
        user = auth.authenticate(conn, name, request.form.get("contrasena") or "")
        if user is None:
            audit.record(conn, name or "(vacío)", "login_fallido", ip=address)
        else:
            audit.record(conn, user.username, "inicio_sesion", ip=address)
    if user is None:
        throttle.failed(name, address)
        return render_template("login.html", error="Usuario o contraseña incorrectos."), 401
    throttle.succeeded(name, address)
    session.clear()
    session.permanent = True
    session.update(uid=user.id, nonce=user.session_nonce, since=time.time(), seen=time.time())
    return after_login()


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    with audited("cierre_sesion") as change:
        auth.end_sessions(change.conn, g.user.id)
    session.clear()
    flash("Sesión cerrada.", "aviso")
    return redirect(url_for("auth.login"))

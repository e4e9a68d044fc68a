"""Login, logout, and the login check in front of every page.

A session holds the user's id, the user's session nonce (changed on logout, password
change or deactivation: every device is logged out) and two times: since (the login;
CONSOLE_SESSION_MAX_HOURS) and seen (the last request; CONSOLE_SESSION_MINUTES).
"""

from __future__ import annotations

import time
from typing import Any, Optional

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, session, url_for

from console import audit, auth
from console.db import get_engine
from console.extensions import limiter
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


def login_limit() -> str:
    return current_app.config["CONSOLE_LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login() -> Any:
    if g.user is not None:
        return redirect(url_for("conversations.index"))
    error = None
    if request.method == "POST":
        username = (request.form.get("usuario") or "")[:64]
        with get_engine().begin() as conn:
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
                target = url_for("conversations.index")
            return redirect(target)
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    with audited("cierre_sesion") as change:
        auth.end_sessions(change.conn, g.user.id)
    session.clear()
    flash("Sesión cerrada.", "aviso")
    return redirect(url_for("auth.login"))

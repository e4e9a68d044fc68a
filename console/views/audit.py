"""The audit log, for administrators: who viewed, changed or exported what."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from console.audit import entries
from console.db import get_engine
from console.text import clean_text
from console.views.common import admin_required, log_view

bp = Blueprint("audit", __name__)


@bp.route("/auditoria")
@admin_required
def index() -> Any:
    try:
        page = max(1, min(int(request.args.get("pagina") or 1), 100000))
    except ValueError:
        page = 1
    who = clean_text(request.args.get("usuario"), 64).strip().lower()
    with get_engine().connect() as conn:
        result = entries(conn, page, username=who)
    log_view("ver_auditoria", detail=f"página {page}" + (f", usuario {who}" if who else ""))
    return render_template("audit.html", result=result, page=page, who=who)

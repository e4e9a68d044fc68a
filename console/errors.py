"""The console's error pages, registered from one table (Spanish: staff read them).

Errors that say something about security are recorded in the audit log as well: a form
refused for its CSRF token, a page refused to someone who is not an administrator (403).
Too many failed logins are answered, and audited, by the login view itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple, Type, Union

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError

from console import audit
from console.db import get_engine
from console.text import clean_name

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: str
    message: str
    audit: Optional[str] = None  # the audit log's action for it, if it is recorded


# What staff see for each error.
ERROR_PAGES: Dict[Union[int, Type[Exception]], ErrorPage] = {
    CSRFError: ErrorPage(
        400,
        "Formulario caducado",
        "El formulario caducó o no es válido. Vuelva a cargar la página e inténtelo de nuevo.",
        audit="csrf_rechazado",
    ),
    403: ErrorPage(403, "Acceso restringido", "Esta página es solo para administradores.", audit="acceso_denegado"),
    404: ErrorPage(404, "No encontrado", "La página o conversación no existe."),
    405: ErrorPage(405, "Acción no permitida", "Esa acción no está permitida aquí."),
    413: ErrorPage(413, "Demasiado grande", "El formulario enviado es demasiado grande."),
    500: ErrorPage(
        500, "Error", "Ocurrió un error inesperado. Inténtelo de nuevo; si persiste, avise al administrador."
    ),
}
TOO_MANY_LOGINS = "Demasiados intentos fallidos de inicio de sesión. Espere unos minutos e inténtelo de nuevo."


def init_app(app: Flask) -> None:
    for error, page in ERROR_PAGES.items():
        app.register_error_handler(error, _handler(page))


def _handler(page: ErrorPage) -> Callable[[Any], Tuple[str, int]]:
    def handle(error: Any) -> Tuple[str, int]:
        if page.audit:
            record_refusal(page.audit, getattr(error, "description", "") or "")
        return render_template("error.html", title=page.title, message=page.message), page.status

    return handle


def who() -> str:
    """The staff member of the request, or the name typed at the login form, for the audit log."""
    if g.get("user") is not None:
        return g.user.username
    typed = clean_name(request.form.get("usuario"), 64) if request.method == "POST" else None
    return (typed or "(anónimo)").lower()


def record_refusal(action: str, detail: str = "") -> None:
    """Audit a refused request (its own transaction: nothing else of the request is kept)."""
    from console.views.common import client_ip

    try:
        with get_engine().begin() as conn:
            audit.record(conn, who(), action, request.path, f"{request.method} {detail}".strip(), client_ip())
    except Exception:  # the refusal is still answered if the audit log cannot be written
        logger.exception("Could not record %s in the audit log", action)

"""The console's error pages, registered from one table (Spanish: staff read them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Tuple, Type, Union

from flask import Flask, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: str
    message: str


# What staff see for each error; a too-many-logins error is shown on the login form instead.
ERROR_PAGES: Dict[Union[int, Type[Exception]], ErrorPage] = {
    CSRFError: ErrorPage(
        400,
        "Formulario caducado",
        "El formulario caducó o no es válido. Vuelva a cargar la página e inténtelo de nuevo.",
    ),
    403: ErrorPage(403, "Acceso restringido", "Esta página es solo para administradores."),
    404: ErrorPage(404, "No encontrado", "La página o conversación no existe."),
    405: ErrorPage(405, "Acción no permitida", "Esa acción no está permitida aquí."),
    413: ErrorPage(413, "Demasiado grande", "El formulario enviado es demasiado grande."),
    500: ErrorPage(
        500, "Error", "Ocurrió un error inesperado. Inténtelo de nuevo; si persiste, avise al administrador."
    ),
}
TOO_MANY_LOGINS = "Demasiados intentos de inicio de sesión. Espere un minuto e inténtelo de nuevo."


def init_app(app: Flask) -> None:
    for error, page in ERROR_PAGES.items():
        app.register_error_handler(error, _handler(page))
    app.register_error_handler(RateLimitExceeded, too_many_logins)


def _handler(page: ErrorPage) -> Callable[[Any], Tuple[str, int]]:
    def handle(_error: Any) -> Tuple[str, int]:
        return render_template("error.html", title=page.title, message=page.message), page.status

    return handle


def too_many_logins(_error: RateLimitExceeded) -> Tuple[str, int]:
    return render_template("login.html", error=TOO_MANY_LOGINS), 429

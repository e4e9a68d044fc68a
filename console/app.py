"""The staff console's application factory (Flask's flaskr pattern).

`create_app()` builds one Flask app: the console's settings go into `app.config`, the
database and its index are attached (console.db), the extensions with `init_app`
(console.extensions), the blueprints of console/views/ are registered, and the error
pages come from one table (console.errors).

Every page needs a logged-in staff member (the login form is the only exception);
forms carry a CSRF token (Flask-WTF); login attempts are rate-limited (Flask-Limiter);
sessions end after CONSOLE_SESSION_MINUTES without activity, after
CONSOLE_SESSION_MAX_HOURS in any case, and on logout (every device of that user).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, List, Optional

import yaml
from flask import Flask, Response
from sqlalchemy.engine import Engine

import settings as shared
from console import db, errors, views
from console import text as console_text
from console.config import Settings, secret_key
from console.extensions import csrf, limiter

logger = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def domain_intents(path: Path = shared.DOMAIN_FILE) -> List[str]:
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


def create_app(
    settings: Optional[Settings] = None,
    engine: Optional[Engine] = None,
    index_interval: float = 5.0,
    domain_file: Path = shared.DOMAIN_FILE,
) -> Flask:
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
        CONSOLE_INTENTS=domain_intents(domain_file),
        **settings.flask_config(),
    )
    db.init_app(app, engine or db.make_engine(settings.db_url), index_interval)

    # The order of the before-request hooks matters: the rate limiter, then the login check
    # (registered with the auth blueprint), then CSRF, so that an anonymous POST is refused
    # as such (401), not as a bad form.
    limiter.init_app(app)
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    csrf.init_app(app)
    errors.init_app(app)

    app.add_template_filter(local_time, "local")
    app.add_template_filter(percent, "percent")
    app.jinja_env.globals.update(channel_labels=console_text.CHANNEL_LABELS)
    app.after_request(security_headers)
    return app


def local_time(value: Any, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """Template filter `local`: an epoch or a datetime in the console's time zone."""
    if value is None:
        return ""
    zone = views.common.local_zone()
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, zone)
    elif isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(zone)
    return value.strftime(fmt)


def percent(value: Optional[float]) -> str:
    """Template filter `percent`: 0.25 -> "25 %"."""
    return "" if value is None else f"{100 * value:.0f} %"


def security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response

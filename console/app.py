"""The staff console's application factory (Flask's flaskr pattern).

`create_app()` builds one Flask app: the console's settings go into `app.config`, the
database and its index are attached (console.db), the extensions with `init_app`
(console.extensions), the blueprints of console/views/ are registered, and the error
pages come from one table (console.errors).

Every page needs a logged-in staff member (the login form is the only exception);
forms carry a CSRF token (Flask-WTF); failed logins are throttled per user name and
client address (console.throttle, in Redis when several processes serve the console);
sessions end after CONSOLE_SESSION_MINUTES without activity, after
CONSOLE_SESSION_MAX_HOURS in any case, and on logout (every device of that user).

Behind CONSOLE_TRUSTED_PROXIES reverse proxies, the client's address and scheme come from
their X-Forwarded-For and X-Forwarded-Proto headers (werkzeug's ProxyFix), for the
throttling, the audit log and the session cookie's Secure flag; without it those headers
are ignored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, List, Optional

import yaml
from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import settings as shared
from console import db, errors, throttle, views
from console import text as console_text
from console.config import Settings, secret_key
from console.extensions import csrf

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


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, whose cookie is Secure when configured
    (CONSOLE_SECURE_COOKIES=1) or when the request came over HTTPS (through a trusted proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def create_app(
    settings: Optional[Settings] = None,
    engine: Optional[Engine] = None,
    index_interval: float = 5.0,
    domain_file: Path = shared.DOMAIN_FILE,
    tracker: Optional[Engine] = None,
) -> Flask:
    """The console. `engine` holds its own tables (settings.db_url), `tracker` reads the
    conversations (settings.tracker_database; by default `engine` when both are the same)."""
    settings = settings or Settings()
    app = Flask(__name__, static_folder=None)
    app.session_interface = SessionInterface()
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
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
    engine = engine or db.make_engine(settings.db_url)
    if tracker is None and settings.tracker_database != settings.db_url:
        tracker = db.make_engine(settings.tracker_database)
    db.init_app(app, engine, index_interval, tracker)
    throttle.init_app(
        app,
        throttle.LoginThrottle(
            settings.login_limit, settings.login_address_limit, settings.redis_url, settings.redis_prefix
        ),
    )

    # The order of the before-request hooks matters: the login check (registered with the
    # auth blueprint), then CSRF, so that an anonymous POST is refused as such (401), not as
    # a bad form.
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

"""Console settings, read from the environment (docs/configuration.md, "Staff console")."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict

import settings

DEFAULT_SECRET_FILE = settings.VAR_DIR / "console-secret.key"
DEFAULT_RETENTION_DAYS = 180


def database_url() -> str:
    """Where the console keeps its own tables (CONSOLE_DB_URL); by default the tracker store's database."""
    return os.environ.get("CONSOLE_DB_URL") or settings.tracker_store_url()


def secret_key(path: Path = DEFAULT_SECRET_FILE) -> str:
    """CONSOLE_SECRET_KEY, or a random key kept (mode 600) in var/ so sessions survive restarts."""
    configured = os.environ.get("CONSOLE_SECRET_KEY")
    if configured:
        return configured
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name) or default


@dataclass
class Settings:
    # The console's own tables (staff, reviews, audit, the index).
    db_url: str = field(default_factory=database_url)
    # The tracker store's `events` table, read only (CONSOLE_TRACKER_URL); empty: db_url's database.
    tracker_url: str = field(default_factory=lambda: _env("CONSOLE_TRACKER_URL"))
    # The tracker store with a role allowed to delete events, for `python -m console prune`
    # (CONSOLE_PRUNE_URL); empty: the tracker URL.
    prune_url: str = field(default_factory=lambda: _env("CONSOLE_PRUNE_URL"))
    secret_key: str = ""
    session_minutes: int = field(default_factory=lambda: _int("CONSOLE_SESSION_MINUTES", 30))
    session_max_hours: int = field(default_factory=lambda: _int("CONSOLE_SESSION_MAX_HOURS", 8))
    # Failed logins allowed per user name and client address, and per client address whatever the name.
    login_limit: str = field(default_factory=lambda: _env("CONSOLE_LOGIN_LIMIT", "5 per minute;20 per hour"))
    login_address_limit: str = field(default_factory=lambda: _env("CONSOLE_LOGIN_ADDRESS_LIMIT", "30 per hour"))
    # Where the failed logins are counted, shared by every console process (empty: in memory, per process).
    redis_url: str = field(default_factory=lambda: _env("CONSOLE_REDIS_URL"))
    redis_prefix: str = field(default_factory=lambda: _env("CONSOLE_REDIS_PREFIX", "consola"))
    # How many reverse proxies in front of the console set X-Forwarded-For / -Proto (0: none).
    trusted_proxies: int = field(default_factory=lambda: max(0, _int("CONSOLE_TRUSTED_PROXIES", 0)))
    timezone: str = field(default_factory=lambda: os.environ.get("CONSOLE_TIMEZONE", settings.TIMEZONE))
    page_size: int = 50
    secure_cookies: bool = field(default_factory=lambda: os.environ.get("CONSOLE_SECURE_COOKIES", "") == "1")
    retention_days: int = field(default_factory=lambda: _int("CONSOLE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))

    @property
    def tracker_database(self) -> str:
        """The URL the console reads conversations from."""
        return self.tracker_url or self.db_url

    @property
    def prune_database(self) -> str:
        """The URL `prune` deletes old conversations through."""
        return self.prune_url or self.tracker_database

    def flask_config(self) -> Dict[str, Any]:
        """What the views read from `app.config` (CONSOLE_*)."""
        return {
            "CONSOLE_SESSION_MINUTES": self.session_minutes,
            "CONSOLE_SESSION_MAX_HOURS": self.session_max_hours,
            "CONSOLE_LOGIN_LIMIT": self.login_limit,
            "CONSOLE_LOGIN_ADDRESS_LIMIT": self.login_address_limit,
            "CONSOLE_TIMEZONE": self.timezone,
            "CONSOLE_PAGE_SIZE": self.page_size,
            "CONSOLE_SECURE_COOKIES": self.secure_cookies,
            "CONSOLE_TRUSTED_PROXIES": self.trusted_proxies,
        }

"""Console settings, read from the environment (docs/configuration.md, "Staff console")."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict

import settings

DEFAULT_SECRET_FILE = settings.VAR_DIR / "console-secret.key"


def database_url() -> str:
    """The console reads the tracker store and keeps its own tables in the same database."""
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


@dataclass
class Settings:
    db_url: str = field(default_factory=database_url)
    secret_key: str = ""
    session_minutes: int = field(default_factory=lambda: _int("CONSOLE_SESSION_MINUTES", 30))
    session_max_hours: int = field(default_factory=lambda: _int("CONSOLE_SESSION_MAX_HOURS", 8))
    login_limit: str = field(default_factory=lambda: os.environ.get("CONSOLE_LOGIN_LIMIT", "5 per minute;20 per hour"))
    timezone: str = field(default_factory=lambda: os.environ.get("CONSOLE_TIMEZONE", settings.TIMEZONE))
    page_size: int = 50
    secure_cookies: bool = field(default_factory=lambda: os.environ.get("CONSOLE_SECURE_COOKIES", "") == "1")

    def flask_config(self) -> Dict[str, Any]:
        """What the views read from `app.config` (CONSOLE_*)."""
        return {
            "CONSOLE_SESSION_MINUTES": self.session_minutes,
            "CONSOLE_SESSION_MAX_HOURS": self.session_max_hours,
            "CONSOLE_LOGIN_LIMIT": self.login_limit,
            "CONSOLE_TIMEZONE": self.timezone,
            "CONSOLE_PAGE_SIZE": self.page_size,
        }

"""What the console's views share: the time zone, the index, the audit log, admin-only pages."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, g, request
from sqlalchemy.engine import Connection

from console import audit
from console.db import get_engine, get_indexer

logger = logging.getLogger(__name__)

INDEX_BEHIND = (
    "No se pudo actualizar el índice de conversaciones; se muestra lo indexado hasta ahora. "
    "Si el aviso persiste, avise al administrador."
)


def local_zone() -> ZoneInfo:
    """The ministry's time zone, in which staff read and filter dates (CONSOLE_TIMEZONE)."""
    return ZoneInfo(current_app.config["CONSOLE_TIMEZONE"])


def client_ip() -> str:
    """The client's address: the TCP peer, or what the trusted proxies say (CONSOLE_TRUSTED_PROXIES)."""
    return request.remote_addr or ""


def refresh_index() -> None:
    """Bring the index up to date before a page reads it. If that fails (the tracker store
    does not answer...), the page still shows what is indexed, with a warning."""
    try:
        get_indexer().refresh()
    except Exception:
        logger.exception("The index could not be refreshed")
        flash(INDEX_BEHIND, "aviso")


def query_string() -> str:
    """The request's filters as the audit log keeps them."""
    return request.query_string.decode("utf-8", "replace")[:1000]


@dataclass
class Change:
    """A change staff make: the connection of its transaction, and the audit entry's detail."""

    conn: Connection
    detail: str = ""


@contextmanager
def audited(action: str, target: str = "", detail: str = "") -> Iterator[Change]:
    """One transaction for a change and its audit entry ("change, then audit").

    The entry (who, `action`, `target`, `change.detail`, from which address) is written
    after the change, in the same transaction: a change that raises (a WorkError...) is
    rolled back and leaves no entry.
    """
    with get_engine().begin() as conn:
        change = Change(conn, detail)
        yield change
        user = g.user.username if g.get("user") else ""
        audit.record(conn, user, action, target, change.detail, client_ip())


def log_view(action: str, target: str = "", detail: str = "") -> None:
    """Record in the audit log what staff looked at or exported."""
    with audited(action, target, detail):
        pass


def admin_required(view: Callable) -> Callable:
    """The page is for administrators: anyone else gets 403."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not g.user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper

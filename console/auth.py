"""Staff users: Argon2 password hashes (argon2-cffi), roles, and checking a login.

Users are created from the CLI (`python -m console user create ...`); the web console
only lets them log in. Roles: `reviewer` reads conversations, tags, notes and corrects
intents and exports; `admin` can also read the audit log.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from console.models import staff

ROLES = ("reviewer", "admin")
ROLE_LABELS = {"reviewer": "revisor", "admin": "administrador"}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 256

_hasher = PasswordHasher()
# Verified when the user does not exist, so that a wrong user name costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class UserError(ValueError):
    """Why a user cannot be created or changed (Spanish)."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    active: bool
    session_nonce: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise UserError(f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres.")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"La contraseña no puede tener más de {MAX_PASSWORD} caracteres.")
    if password.strip() != password or not password.strip():
        raise UserError("La contraseña no puede empezar ni terminar con espacios.")


def create_user(conn: Connection, username: str, password: str, role: str = "reviewer") -> StaffUser:
    username = (username or "").strip().lower()
    if not USERNAME.match(username):
        raise UserError(
            "El usuario debe tener de 3 a 64 caracteres: letras minúsculas, números, punto, guion o guion bajo."
        )
    if role not in ROLES:
        raise UserError(f"El rol debe ser uno de: {', '.join(ROLES)}.")
    check_password(password)
    try:
        conn.execute(
            insert(staff).values(
                username=username,
                password_hash=_hasher.hash(password),
                role=role,
                active=True,
                session_nonce=secrets.token_hex(16),
                created_at=_now(),
            )
        )
    except IntegrityError:
        raise UserError(f"Ya existe el usuario «{username}».") from None
    return get_user(conn, username)


def get_user(conn: Connection, username: str) -> Optional[StaffUser]:
    row = conn.execute(select(staff).where(staff.c.username == (username or "").strip().lower())).first()
    return _user(row)


def get_user_by_id(conn: Connection, user_id: int) -> Optional[StaffUser]:
    return _user(conn.execute(select(staff).where(staff.c.id == user_id)).first())


def _user(row) -> Optional[StaffUser]:
    if row is None:
        return None
    return StaffUser(row.id, row.username, row.role, bool(row.active), row.session_nonce)


def list_users(conn: Connection) -> List[dict]:
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(staff.c.username, staff.c.role, staff.c.active, staff.c.created_at, staff.c.last_login_at).order_by(
                staff.c.username
            )
        )
    ]


def authenticate(conn: Connection, username: str, password: str) -> Optional[StaffUser]:
    """The active user with this name and password, or None (same work whether or not the user exists)."""
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return None
    row = conn.execute(select(staff).where(staff.c.username == username.strip().lower()[:64])).first()
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    values = {"last_login_at": _now()}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = _hasher.hash(password)
    conn.execute(update(staff).where(staff.c.id == row.id).values(**values))
    return _user(row)


def set_password(conn: Connection, username: str, password: str) -> None:
    check_password(password)
    result = conn.execute(
        update(staff)
        .where(staff.c.username == username.strip().lower())
        .values(password_hash=_hasher.hash(password), session_nonce=secrets.token_hex(16))
    )
    if result.rowcount == 0:
        raise UserError(f"No existe el usuario «{username}».")


def set_active(conn: Connection, username: str, active: bool) -> None:
    result = conn.execute(
        update(staff)
        .where(staff.c.username == username.strip().lower())
        .values(active=active, session_nonce=secrets.token_hex(16))
    )
    if result.rowcount == 0:
        raise UserError(f"No existe el usuario «{username}».")


def end_sessions(conn: Connection, user_id: int) -> None:
    """Invalidate every session of this user (logout, password change)."""
    conn.execute(update(staff).where(staff.c.id == user_id).values(session_nonce=secrets.token_hex(16)))

"""Staff users: Argon2 hashes, roles, the CLI."""

import subprocess
import sys

import pytest
from sqlalchemy import select

from console import auth
from console.db import make_engine
from console.migrate import upgrade
from console.models import staff
from tests.conftest import ROOT
from tests.console.conftest import PASSWORD


@pytest.fixture
def conn(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def test_passwords_are_stored_as_argon2_hashes_and_checked(conn):
    user = auth.create_user(conn, "Ana.Perez", PASSWORD, "admin")
    assert user.username == "ana.perez" and user.is_admin
    stored = conn.scalar(select(staff.c.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert auth.authenticate(conn, "ana.perez", PASSWORD) == user
    assert auth.authenticate(conn, "ANA.PEREZ ", PASSWORD) is not None
    assert auth.authenticate(conn, "ana.perez", PASSWORD + "x") is None
    assert auth.authenticate(conn, "nadie", PASSWORD) is None
    assert auth.authenticate(conn, "ana.perez", "x" * 100000) is None


def test_disabled_users_and_changed_passwords(conn):
    user = auth.create_user(conn, "luis", PASSWORD)
    assert user.role == "reviewer" and not user.is_admin
    auth.set_active(conn, "luis", False)
    assert auth.authenticate(conn, "luis", PASSWORD) is None
    auth.set_active(conn, "luis", True)
    auth.set_password(conn, "luis", "otra-contraseña-larga")
    assert auth.authenticate(conn, "luis", PASSWORD) is None
    changed = auth.authenticate(conn, "luis", "otra-contraseña-larga")
    assert changed.session_nonce != user.session_nonce  # old sessions end


@pytest.mark.parametrize(
    "username, password, role",
    [
        ("a", PASSWORD, "admin"),
        ("ana perez", PASSWORD, "admin"),
        ("<script>", PASSWORD, "admin"),
        ("ana", "corta", "admin"),
        ("ana", " " + PASSWORD, "admin"),
        ("ana", PASSWORD, "root"),
        ("ana", "x" * 300, "admin"),
    ],
)
def test_invalid_users_are_refused_in_spanish(conn, username, password, role):
    with pytest.raises(auth.UserError) as error:
        auth.create_user(conn, username, password, role)
    assert str(error.value)[0].isupper()


def test_duplicate_user(conn):
    auth.create_user(conn, "ana", PASSWORD)
    with pytest.raises(auth.UserError, match="Ya existe"):
        auth.create_user(conn, "ana", PASSWORD)


def test_cli_creates_a_user_that_can_log_in(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    env = {"TRACKER_STORE_URL": url, "PATH": "/usr/bin:/bin", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}

    def run(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "console", *args],
            input=stdin,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    created = run("user", "create", "ana", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0 and "Usuario «ana» creado con el rol administrador." in created.stdout
    refused = run("user", "create", "bea", "--password-stdin", stdin="corta\n")
    assert refused.returncode == 1 and "al menos 12 caracteres" in refused.stderr
    listed = run("user", "list")
    assert "ana" in listed.stdout and "administrador" in listed.stdout and "bea" not in listed.stdout
    engine = make_engine(url)
    with engine.begin() as conn:
        assert auth.authenticate(conn, "ana", PASSWORD) is not None
    engine.dispose()

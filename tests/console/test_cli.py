"""The console's commands, started the way the README tells staff to start them.

Each test runs the real command as a subprocess (`make console-user`, `make console`,
`python -m console ...`), on a free port where it serves, and then talks to it over HTTP.
"""

from __future__ import annotations

import re
import sys

import pytest
import requests
from sqlalchemy import inspect

from console.db import make_engine
from tests.console.conftest import PASSWORD, form_token, http_log_in, run, seed, start, stop, wait_for

CONSOLE = [sys.executable, "-m", "console"]
NEW_PASSWORD = "otra-contraseña-de-prueba"


@pytest.mark.parametrize(
    "command",
    [["make", "console"], [sys.executable, "-m", "console", "serve"]],
    ids=["make console", "python -m console serve"],
)
def test_the_documented_command_starts_the_console_and_staff_log_in(console_env, started, command):
    created = run(["make", "console-user", "NOMBRE=ana", "ROL=admin"], console_env, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert created.returncode == 0, created.stderr
    assert "Usuario «ana» creado" in created.stdout

    port = console_env["CONSOLE_PORT"]
    args = command if command[0] == "make" else command + ["--port", port]
    process = start(args, console_env)
    started.append(process)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/login", process)

    session = http_log_in(base, "ana")
    page = session.get(f"{base}/", timeout=10)
    assert page.status_code == 200
    assert "ana" in page.text


def test_python_m_console_user_create_and_list(console_env):
    created = run(
        [sys.executable, "-m", "console", "user", "create", "luis", "--role", "reviewer", "--password-stdin"],
        console_env,
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    listed = run([sys.executable, "-m", "console", "user", "list"], console_env)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^luis\s+", listed.stdout, re.M)


def test_python_m_console_reindex_on_an_empty_store(console_env):
    indexed = run(CONSOLE + ["reindex"], console_env)
    assert indexed.returncode == 0, indexed.stderr
    assert "0 conversaciones indexadas" in indexed.stdout


def test_python_m_console_migrate_creates_the_console_tables(console_env):
    migrated = run(CONSOLE + ["migrate"], console_env)
    assert migrated.returncode == 0, migrated.stderr
    assert "Tablas de la consola al día" in migrated.stdout
    engine = make_engine(console_env["TRACKER_STORE_URL"])
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"console_staff", "console_audit", "console_conversations", "console_messages"} <= tables
    again = run(CONSOLE + ["migrate"], console_env)  # idempotent
    assert again.returncode == 0, again.stderr


def login_status(base: str, username: str, password: str) -> int:
    session = requests.Session()
    token = form_token(session.get(f"{base}/login", timeout=10).text)
    response = session.post(
        f"{base}/login",
        data={"csrf_token": token, "usuario": username, "contrasena": password},
        timeout=10,
        allow_redirects=False,
    )
    return response.status_code


def test_python_m_console_user_passwd_disable_enable_take_effect_on_the_running_console(console_env, started):
    created = run(CONSOLE + ["user", "create", "luis", "--password-stdin"], console_env, stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    port = console_env["CONSOLE_PORT"]
    process = start(CONSOLE + ["serve", "--port", port], console_env)
    started.append(process)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/login", process)
    session = http_log_in(base, "luis")

    disabled = run(CONSOLE + ["user", "disable", "luis"], console_env)
    assert disabled.returncode == 0 and "desactivado" in disabled.stdout, disabled.stderr
    assert session.get(f"{base}/conversaciones", timeout=10, allow_redirects=False).status_code == 302  # logged out
    assert login_status(base, "luis", PASSWORD) == 401
    listed = run(CONSOLE + ["user", "list"], console_env)
    assert re.search(r"^luis\s+revisor\s+desactivado", listed.stdout, re.M), listed.stdout

    enabled = run(CONSOLE + ["user", "enable", "luis"], console_env)
    assert enabled.returncode == 0 and "reactivado" in enabled.stdout, enabled.stderr
    session = http_log_in(base, "luis")

    changed = run(CONSOLE + ["user", "passwd", "luis", "--password-stdin"], console_env, stdin=NEW_PASSWORD + "\n")
    assert changed.returncode == 0 and "Contraseña cambiada" in changed.stdout, changed.stderr
    assert session.get(f"{base}/conversaciones", timeout=10, allow_redirects=False).status_code == 302
    assert login_status(base, "luis", PASSWORD) == 401
    assert login_status(base, "luis", NEW_PASSWORD) == 302

    missing = run(CONSOLE + ["user", "disable", "nadie"], console_env)
    assert missing.returncode == 1 and "No existe el usuario «nadie»" in missing.stderr
    assert "Traceback" not in missing.stderr
    stop(process)


def test_python_m_console_reindex_and_rebuild_index_the_conversations(console_env):
    seed(console_env["TRACKER_STORE_URL"])
    indexed = run(CONSOLE + ["reindex"], console_env)
    assert indexed.returncode == 0, indexed.stderr
    assert "5 conversaciones indexadas" in indexed.stdout
    unchanged = run(CONSOLE + ["reindex"], console_env)
    assert "0 conversaciones indexadas" in unchanged.stdout  # nothing new
    rebuilt = run(CONSOLE + ["reindex", "--rebuild"], console_env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "5 conversaciones indexadas" in rebuilt.stdout

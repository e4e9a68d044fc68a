"""The console's commands, started the way the README tells staff to start them.

Each test runs the real command as a subprocess (`make console-user`, `make console`,
`python -m console ...`), on a free port where it serves, and then talks to it over HTTP.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests

from scripts.serve import free_port
from settings import ROOT

PASSWORD = "contraseña-de-prueba-1"


@pytest.fixture
def console_env(tmp_path: Path) -> Dict[str, str]:
    """An environment whose console database is a fresh SQLite file."""
    env = dict(os.environ)
    env.pop("CONSOLE_DB_URL", None)
    env["TRACKER_STORE_URL"] = f"sqlite:///{tmp_path / 'conversations.db'}"
    env["CONSOLE_SECRET_KEY"] = "clave-de-prueba-" + "x" * 32
    env["CONSOLE_PORT"] = str(free_port())
    # make's own VENV default is relative to the repository, like the README's commands.
    env["PYTHONPATH"] = str(ROOT)
    return env


def run(args, env: Dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    # A new session has no controlling terminal, so getpass reads the password from stdin.
    return subprocess.run(
        args, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300, start_new_session=True
    )


def start(args, env: Dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def wait_for(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"the console exited with code {process.returncode} while starting:\n{output}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    pytest.fail(f"the console did not answer on {url} within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


@pytest.fixture
def started(console_env: Dict[str, str]) -> Iterator[subprocess.Popen]:
    processes = []
    yield processes
    for process in processes:
        stop(process)


def log_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/login", timeout=10)
    assert form.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    response = session.post(
        f"{base}/login",
        data={"csrf_token": token, "usuario": username, "contrasena": PASSWORD},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return session


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

    session = log_in(base, "ana")
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


def test_python_m_console_reindex_counts_conversations(console_env):
    indexed = run([sys.executable, "-m", "console", "reindex"], console_env)
    assert indexed.returncode == 0, indexed.stderr
    assert "0 conversaciones indexadas" in indexed.stdout

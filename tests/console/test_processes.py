"""Two console processes behind a load balancer, as `python -m console serve` starts them:
failed logins are counted once for both (Redis), and a session or a form from one process
is good on the other (the same secret key)."""

from __future__ import annotations

import re
import sys

import requests

from scripts.serve import free_port
from tests.conftest import REDIS_URL
from tests.console.conftest import PASSWORD, form_token, http_log_in, run, seed, start, wait_for

CONSOLE = [sys.executable, "-m", "console"]


def post_login(base: str, username: str, password: str) -> int:
    session = requests.Session()
    token = form_token(session.get(f"{base}/login", timeout=10).text)
    response = session.post(
        f"{base}/login",
        data={"csrf_token": token, "usuario": username, "contrasena": password},
        timeout=10,
        allow_redirects=False,
    )
    return response.status_code


def test_two_processes_share_failed_logins_sessions_and_forms(console_env, started, redis_prefix):
    seed(console_env["TRACKER_STORE_URL"])
    for name, role in (("ana", "admin"), ("luis", "reviewer")):
        created = run(
            CONSOLE + ["user", "create", name, "--role", role, "--password-stdin"], console_env, PASSWORD + "\n"
        )
        assert created.returncode == 0, created.stderr
    env = dict(console_env, CONSOLE_REDIS_URL=REDIS_URL, CONSOLE_REDIS_PREFIX=redis_prefix)
    bases = []
    for _ in range(2):
        port = free_port()
        process = start(CONSOLE + ["serve", "--port", str(port)], env)
        started.append(process)
        bases.append(f"http://127.0.0.1:{port}")
        wait_for(f"{bases[-1]}/login", process)
    first, second = bases

    # Five failures, spread over both processes, lock the name on both.
    for base in (first, second, first, second, first):
        assert post_login(base, "ana", "equivocada-123") == 401
    assert post_login(second, "ana", PASSWORD) == 429
    assert post_login(first, "ana", PASSWORD) == 429

    # A session opened on one process is good on the other, and so is a form it served.
    session = http_log_in(first, "luis")
    listed = session.get(f"{second}/conversaciones", timeout=30, allow_redirects=False)
    assert listed.status_code == 200 and "luis" in listed.text
    conversation = re.search(r'href="/conversaciones/(\d+)"', listed.text).group(1)
    page = session.get(f"{first}/conversaciones/{conversation}", timeout=30).text
    saved = session.post(
        f"{second}/conversaciones/{conversation}/notas",
        data={"nota": "Nota escrita en el segundo proceso", "csrf_token": form_token(page)},
        timeout=30,
    )
    assert saved.status_code == 200 and "Nota guardada." in saved.text
    assert "Nota escrita en el segundo proceso" in session.get(f"{first}/conversaciones/{conversation}").text

"""make run's launcher (scripts/serve.py): it answers once ready, and Ctrl-C stops every server.

The launcher is started as `make run` is from a shell script or a background job: with
SIGINT ignored, which Python would otherwise keep. Ctrl-C is sent as a terminal sends it,
to the launcher's process group; the servers run in their own sessions and are stopped
by the launcher.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from scripts.serve import free_port, scratch_stores, wait_until_ready
from tests.conftest import MODEL, ROOT, Conversation

pytestmark = pytest.mark.e2e  # starts the real Rasa and action servers


def running_with(argument: str) -> List[int]:
    """Pids of the processes whose command line contains `argument`."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and argument in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def launch(tmp_path: Path):
    if not MODEL.exists():
        pytest.fail(f"No hay modelo entrenado en {MODEL}; `make test` lo entrena antes de las pruebas.")
    ports = {"rasa": free_port(), "action": free_port()}
    env = {**os.environ, **scratch_stores(tmp_path)}
    log = open(tmp_path / "run.log", "w+")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "scripts.serve", "--rasa-port", str(ports["rasa"]),
         "--action-port", str(ports["action"]), "--web-port", "0"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # as a background job
    )
    yield launcher, ports, tmp_path / "run.log"
    if launcher.poll() is None:
        os.killpg(launcher.pid, signal.SIGKILL)
    for pid in running_with(f"--port {ports['rasa']}") + running_with(f"--port {ports['action']}"):
        os.kill(pid, signal.SIGKILL)
    log.close()


def assert_everything_stopped(launcher, ports, log: Path) -> None:
    assert launcher.wait(timeout=60) == 0, log.read_text()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (running_with(f"--port {ports['rasa']}") or running_with(f"--port {ports['action']}")):
        time.sleep(0.2)
    assert not running_with(f"--port {ports['rasa']}"), "el servidor Rasa sigue en marcha"
    assert not running_with(f"--port {ports['action']}"), "el servidor de acciones sigue en marcha"
    assert not listening(ports["rasa"]) and not listening(ports["action"])
    assert "Detenidos." in log.read_text()


def test_ctrl_c_stops_every_server_after_answering(launch):
    launcher, ports, log = launch
    rasa_url = f"http://127.0.0.1:{ports['rasa']}"
    wait_until_ready(f"{rasa_url}/webhooks/rest/", launcher, 240, "El servidor Rasa")
    assert "24" in Conversation(rasa_url).reply_text("cuantos peruanos volvieron de jamaica")
    for _ in range(100):  # the REST answer can come before the launcher prints that it is ready
        if "Asistente Consular listo" in log.read_text():
            break
        time.sleep(0.1)
    assert "Asistente Consular listo" in log.read_text()

    os.killpg(launcher.pid, signal.SIGINT)

    assert_everything_stopped(launcher, ports, log)


def test_ctrl_c_while_the_model_loads_stops_everything(launch):
    launcher, ports, log = launch
    deadline = time.monotonic() + 60
    while not running_with(f"--port {ports['rasa']}") and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)

    os.killpg(launcher.pid, signal.SIGINT)

    assert_everything_stopped(launcher, ports, log)
    assert "Asistente Consular listo" not in log.read_text()


def test_make_run_loads_the_facts_and_serves_the_assistant_and_the_page(tmp_path):
    """`make run` as the README gives it, with its stores and ports moved out of the way."""
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}; `make test` trains it before the tests.")
    ports = {"rasa": free_port(), "action": free_port(), "web": free_port()}
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}
    env.update(
        FACTS_DB_URL=f"sqlite:///{tmp_path / 'facts.db'}",  # `make facts` loads it
        TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'conversations.db'}",
        RASA_PORT=str(ports["rasa"]), ACTION_PORT=str(ports["action"]), WEB_PORT=str(ports["web"]),
    )
    log_path = tmp_path / "make-run.log"
    with open(log_path, "w+") as log:
        make = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            rasa_url = f"http://127.0.0.1:{ports['rasa']}"
            wait_until_ready(f"{rasa_url}/webhooks/rest/", make, 300, "Rasa under make run")
            assert "24" in Conversation(rasa_url).reply_text("cuantos peruanos volvieron de jamaica")
            wait_until_ready(f"http://127.0.0.1:{ports['web']}/", make, 60, "the demo page")
            os.killpg(make.pid, signal.SIGINT)  # Ctrl-C in the terminal
            make.wait(timeout=60)
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGKILL)
            for port in ports.values():
                for pid in running_with(f"--port {port}"):
                    os.kill(pid, signal.SIGKILL)
    output = log_path.read_text()
    assert "Asistente Consular listo" in output and "Detenidos." in output, output[-3000:]
    assert not any(listening(port) for port in ports.values())

"""`make chat`: the terminal client, talking to the running assistant as the README says."""

import os
import subprocess
import sys

import pytest

import settings


@pytest.mark.e2e  # talks to the real servers
def test_make_chat_answers_in_the_terminal(servers):
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}
    env["RASA_PORT"] = str(servers.rasa_port)  # where `make run` would have started Rasa
    chat = subprocess.run(
        ["make", "chat"],
        cwd=settings.ROOT,
        env=env,
        input="cuantos peruanos volvieron de jamaica\nsalir\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert chat.returncode == 0, chat.stdout + chat.stderr
    replies = [line for line in chat.stdout.splitlines() if line.startswith("asistente> ")]
    assert replies and "24 peruanos" in chat.stdout and "Fuente: Nota de Prensa 9-26" in chat.stdout


def test_the_chat_says_when_the_assistant_cannot_be_reached():
    from scripts.serve import free_port

    chat = subprocess.run(
        [sys.executable, "-m", "scripts.chat", "--url", f"http://127.0.0.1:{free_port()}"],
        cwd=settings.ROOT,
        input="hola\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert chat.returncode == 0 and "no se pudo contactar al asistente" in chat.stderr

"""Chat with the running assistant in the terminal, over the REST channel (`make chat`).

The assistant is the one `make run` started: http://127.0.0.1:$RASA_PORT (5005 by default).
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid

import requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Chat en la terminal con el Asistente Consular.")
    default_url = f"http://127.0.0.1:{os.environ.get('RASA_PORT') or 5005}"
    parser.add_argument("--url", default=default_url, help="URL del servidor Rasa")
    parser.add_argument("--sender", default=f"terminal-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    print("Escriba su mensaje (Ctrl-D o «salir» para terminar).")
    while True:
        try:
            text = input("usted> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text.lower() in ("salir", "exit", "quit"):
            return 0
        if not text:
            continue
        try:
            response = requests.post(
                f"{args.url}/webhooks/rest/webhook", json={"sender": args.sender, "message": text}, timeout=60
            )
            response.raise_for_status()
        except requests.RequestException as error:
            print(f"(no se pudo contactar al asistente en {args.url}: {error})", file=sys.stderr)
            continue
        for message in response.json():
            if message.get("text"):
                print(f"asistente> {message['text']}")
            for button in message.get("buttons") or []:
                print(f"    [{button.get('title')}] -> {button.get('payload')}")


if __name__ == "__main__":
    sys.exit(main())

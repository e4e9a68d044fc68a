"""Serve the website demo page and the chat widget (web/) on a local port.

Started by `make run` (through scripts/serve.py) and by the browser tests. Serves only
the page, its assets, the widget (web/chat/, web/vendor/) and `config.js`, which tells
the page where the Rasa server is. Every response carries a Content-Security-Policy
that lets the page load scripts, styles, images and fonts from this server only and
connect only to itself and the Rasa server: nothing comes from a CDN, and a
`javascript:` link in a chat message cannot run.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from settings import ROOT

WEB_DIR = ROOT / "web"
# What may be served; package.json, node_modules/ and anything else in web/ may not.
PUBLIC_FILES = {"/", "/index.html", "/demo.css", "/demo.js", "/favicon.svg"}
PUBLIC_DIRS = ("/chat/", "/vendor/", "/img/")


def content_security_policy(rasa_url: str) -> str:
    parts = urlsplit(rasa_url)
    websocket = ("wss" if parts.scheme == "https" else "ws") + "://" + parts.netloc
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",  # the widget injects its own <style> elements
            "img-src 'self' data:",
            "font-src 'self' data:",  # the carousel's icon font is inlined
            f"connect-src 'self' {parts.scheme}://{parts.netloc} {websocket}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


class WebHandler(SimpleHTTPRequestHandler):
    rasa_url = "http://127.0.0.1:5005"
    csp = content_security_policy(rasa_url)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def _public(self) -> bool:
        path = urlsplit(self.path).path
        if ".." in path or "\\" in path:
            return False
        return path in PUBLIC_FILES or (path.startswith(PUBLIC_DIRS) and not path.endswith("/"))

    def _config(self) -> None:
        body = (
            "// Generado por scripts/web.py: dónde está el servidor Rasa.\n"
            f"window.ASISTENTE_CONSULAR_CONFIG = {json.dumps({'socketUrl': self.rasa_url})};\n"
        ).encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/javascript; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def _route(self) -> bool:
        """Handle config.js and refusals; True when the request was answered here."""
        if urlsplit(self.path).path == "/config.js":
            self._config()
            return True
        if not self._public():
            self.send_error(HTTPStatus.NOT_FOUND, "No encontrado")
            return True
        return False

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if not self._route():
            super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        if not self._route():
            super().do_HEAD()

    def log_request(self, code="-", size="-") -> None:
        try:
            failed = int(code) >= 400
        except (TypeError, ValueError):
            failed = True
        if failed:  # only failures: `make run` shares the terminal with the servers' logs
            super().log_request(code, size)

    def guess_type(self, path) -> str:
        kind = super().guess_type(path)
        return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith("javascript") else kind


def make_server(port: int, rasa_url: str, host: str = "127.0.0.1", directory: Path = WEB_DIR) -> ThreadingHTTPServer:
    rasa_url = rasa_url.rstrip("/")
    handler = type(
        "ConfiguredWebHandler", (WebHandler,), {"rasa_url": rasa_url, "csp": content_security_policy(rasa_url)}
    )
    return ThreadingHTTPServer((host, port), partial(handler, directory=str(directory)))


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Sirve la página de demostración y el chat web.")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005", help="URL del servidor Rasa para el widget")
    args = parser.parse_args(argv)
    if not (WEB_DIR / "vendor" / "rasa-webchat.js").is_file():
        print("Error: falta web/vendor/rasa-webchat.js; ejecute `make install`.", file=sys.stderr)
        return 1
    server = make_server(args.port, args.rasa_url, args.host)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

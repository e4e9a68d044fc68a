"""A local stand-in for Meta's Graph API messages endpoint, recording what it receives.

POST /{version}/{phone-number-id}/messages with "Authorization: Bearer <token>" is
answered like Meta does: 200 with the new message id, 401 for a wrong token, 400 with
Meta's error shape for a message that breaks the documented limits (so a formatting
mistake in the channel fails the tests instead of passing silently). `fail_next` makes
the next requests to a recipient fail with given statuses, as Meta does when busy
(5xx, 429) or when it refuses a message (4xx).
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, List, Optional

VERSION = "v25.0"
TEST_VERIFY_TOKEN = "token-de-verificacion-de-prueba"
TEST_APP_SECRET = "secreto-de-la-aplicacion-de-prueba"
TEST_ACCESS_TOKEN = "EAAtokenDePruebaQueNuncaDebeAparecerEnLosRegistros"
TEST_PHONE_NUMBER_ID = "106540352242922"
TEST_PHONE_HASH_KEY = "clave-de-seudonimos-de-prueba-0123456789"
TEST_TWILIO_AUTH_TOKEN = "token-de-twilio-de-prueba-0123456789"

_ids = itertools.count(1)


@dataclass(frozen=True)
class Received:
    path: str
    authorization: Optional[str]
    body: Any
    status: int

    @property
    def address(self) -> Optional[str]:
        if isinstance(self.body, dict):
            return self.body.get("to") or self.body.get("recipient")
        return None


def graph_error(code: int, message: str) -> Dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEfGh"}}


def _text(value: Any, limit: int, what: str) -> List[str]:
    if not isinstance(value, str) or not value.strip():
        return [f"{what} is required"]
    return [f"{what} is longer than {limit} characters"] if len(value) > limit else []


def message_problems(body: Any) -> List[str]:
    """Violations of the Messages API limits Meta documents (empty list: valid)."""
    if not isinstance(body, dict):
        return ["body must be a JSON object"]
    problems = []
    if body.get("messaging_product") != "whatsapp":
        problems.append("messaging_product must be whatsapp")
    if not (body.get("to") or body.get("recipient")):
        problems.append("to or recipient is required")
    kind = body.get("type")
    content = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(content, dict):
        return problems + [f"a {kind!r} object is required"]
    if kind == "text":
        problems += _text(content.get("body"), 4096, "text.body")
    elif kind == "image":
        if not (content.get("link") or content.get("id")):
            problems.append("image.link or image.id is required")
    elif kind == "interactive":
        problems += _text((content.get("body") or {}).get("text"), 1024, "interactive.body.text")
        action = content.get("action") or {}
        if content.get("type") == "button":
            buttons = action.get("buttons") or []
            if not 1 <= len(buttons) <= 3:
                problems.append("1 to 3 reply buttons are required")
            replies = [b.get("reply") or {} for b in buttons]
            for reply in replies:
                problems += _text(reply.get("title"), 20, "button title") + _text(reply.get("id"), 256, "button id")
            for field in ("title", "id"):
                values = [r.get(field) for r in replies]
                if len(set(values)) != len(values):
                    problems.append(f"button {field}s must be unique")
        elif content.get("type") == "list":
            problems += _text(action.get("button"), 20, "list button")
            sections = action.get("sections") or []
            rows = [row for section in sections for row in section.get("rows") or []]
            if not 1 <= len(sections) <= 10 or not 1 <= len(rows) <= 10:
                problems.append("1 to 10 sections with 1 to 10 rows in all are required")
            if len(sections) > 1 and not all(s.get("title") for s in sections):
                problems.append("every section needs a title when there are several")
            for row in rows:
                problems += _text(row.get("title"), 24, "row title") + _text(row.get("id"), 200, "row id")
                if len(row.get("description") or "") > 72:
                    problems.append("row description is longer than 72 characters")
            ids = [row.get("id") for row in rows]
            if len(set(ids)) != len(ids):
                problems.append("row ids must be unique")
        else:
            problems.append(f"unsupported interactive type {content.get('type')!r}")
    else:
        problems.append(f"unsupported message type {kind!r}")
    return problems


class GraphApiStandIn:
    def __init__(self, token: str = TEST_ACCESS_TOKEN, phone_number_id: str = TEST_PHONE_NUMBER_ID) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.received: List[Received] = []
        self._failures: Dict[str, Deque[int]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    # --- control ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/{VERSION}"

    def fail_next(self, address: str, *statuses: int) -> None:
        """The next len(statuses) requests to `address` are answered with these statuses."""
        with self._lock:
            self._failures[address].extend(statuses)

    def requests_to(self, address: str) -> List[Received]:
        with self._lock:
            return [r for r in self.received if r.address == address]

    def delivered_to(self, address: str) -> List[Dict[str, Any]]:
        """The messages Meta would have delivered to `address` (answered 200)."""
        return [r.body for r in self.requests_to(address) if r.status == 200]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result or time.monotonic() > deadline:
                return result
            time.sleep(0.02)

    # --- server -------------------------------------------------------------------------

    def _answer(self, path: str, authorization: Optional[str], raw: bytes) -> tuple:
        expected_path = f"/{VERSION}/{self.phone_number_id}/messages"
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        with self._lock:
            if path != expected_path:
                status, answer = 404, graph_error(100, f"Unknown path {path}")
            elif authorization != f"Bearer {self.token}":
                status, answer = 401, graph_error(190, "Invalid OAuth access token.")
            elif message_problems(body):
                status, answer = 400, graph_error(100, "Invalid parameter: " + "; ".join(message_problems(body)))
            else:
                address = body.get("to") or body.get("recipient")
                queue = self._failures.get(address)
                status = queue.popleft() if queue else 200
                if status == 200:
                    answer = {"messaging_product": "whatsapp", "contacts": [{"input": address, "wa_id": address}],
                              "messages": [{"id": f"wamid.standin{next(_ids):08d}"}]}
                elif status == 429:
                    answer = graph_error(130429, "Rate limit hit")
                elif status >= 500:
                    answer = graph_error(2, "Service temporarily unavailable")
                else:
                    answer = graph_error(131047, "Re-engagement message")
            self.received.append(Received(path, authorization, body, status))
        return status, answer

    def start(self) -> "GraphApiStandIn":
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = stand_in._answer(self.path, self.headers.get("Authorization"), raw)
                data = json.dumps(answer).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "GraphApiStandIn":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def channel_env(graph: GraphApiStandIn) -> Dict[str, str]:
    """The environment that configures the WhatsApp and Twilio channels for the tests."""
    return {
        "WHATSAPP_VERIFY_TOKEN": TEST_VERIFY_TOKEN,
        "WHATSAPP_APP_SECRET": TEST_APP_SECRET,
        "WHATSAPP_ACCESS_TOKEN": graph.token,
        "WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
        "WHATSAPP_API_BASE_URL": graph.base_url,
        "TWILIO_AUTH_TOKEN": TEST_TWILIO_AUTH_TOKEN,
        "TWILIO_WEBHOOK_URL": "",
        "PHONE_HASH_KEY": TEST_PHONE_HASH_KEY,
    }

"""Sending messages through Meta's Graph API: POST {base}/{phone-number-id}/messages.

`requests` with urllib3's Retry: connection failures and 429/5xx answers are retried
with exponential backoff (Retry-After honoured, capped); any other 4xx is final. A
timeout after the request was sent is not retried (Meta may have delivered it, and a
citizen must not get the same answer twice). The access token travels only in the
Authorization header and is never logged; neither is the recipient.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://graph.facebook.com/v25.0"
RETRY_STATUSES = frozenset({429} | set(range(500, 600)))


class SendError(Exception):
    """A message could not be sent; `status` is the last HTTP status (None: no answer)."""

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


class GraphRetry(Retry):
    """Backoff from the first retry on: factor, 2*factor, 4*factor... (urllib3 waits 0 s
    before the first retry)."""

    def get_backoff_time(self) -> float:
        errors = len(self.history)
        if errors == 0:
            return 0.0
        return float(min(self.backoff_max, self.backoff_factor * (2 ** (errors - 1))))


@dataclass(frozen=True)
class SendResult:
    message_id: Optional[str]
    status: int


class GraphClient:
    def __init__(
        self,
        access_token: str,
        phone_number_id: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        timeout: Tuple[float, float] = (5.0, 20.0),
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 10.0,
    ) -> None:
        self.url = f"{(api_base_url or DEFAULT_API_BASE_URL).rstrip('/')}/{phone_number_id}/messages"
        self.timeout = timeout
        retry = GraphRetry(
            total=retries,
            connect=retries,
            read=0,
            status=retries,
            other=0,
            redirect=0,
            allowed_methods=frozenset({"POST"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff,
            backoff_max=max_wait,
            respect_retry_after_header=True,
            retry_after_max=max_wait,
            raise_on_status=False,
        )
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.headers.update({"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"})

    def __repr__(self) -> str:  # never show the session (and its token) in a log or traceback
        return f"GraphClient({self.url!r})"

    def send(self, message: Dict[str, Any]) -> SendResult:
        """Send one message (blocking: run it in a thread). Raises SendError."""
        try:
            response = self.session.post(self.url, json=message, timeout=self.timeout)
        except requests.RequestException as error:
            raise SendError(f"Graph API unreachable: {type(error).__name__}") from None
        if response.ok:
            try:
                message_id = response.json()["messages"][0]["id"]
            except (ValueError, KeyError, IndexError, TypeError):
                message_id = None
            return SendResult(message_id, response.status_code)
        raise SendError(f"Graph API answered {response.status_code}: {describe_error(response)}", response.status_code)

    def close(self) -> None:
        self.session.close()


def describe_error(response: requests.Response) -> str:
    """Meta's error code and message ({"error": {"message", "code", ...}}), shortened."""
    try:
        error = response.json().get("error") or {}
        text = f"code {error.get('code')}: {error.get('message')}"
    except (ValueError, AttributeError):
        text = response.text
    return " ".join(str(text).split())[:300]

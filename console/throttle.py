"""Login throttling: failed logins counted per user name and client address, and per address.

Counting uses `limits` (the library behind Flask-Limiter) with a moving window. With
CONSOLE_REDIS_URL the counters live in Redis under CONSOLE_REDIS_PREFIX, so that every
console process behind a load balancer sees the same failures; without it, in the
process's memory. If Redis stops answering, the console logs it and counts in memory
until it answers again: staff can still log in, and guessing is still slowed.

Only failures count (`failed`): staff who type their password right are never locked out,
however often they log in, and a right password clears that name's failures from that
address (`succeeded`). While a limit is reached (`allowed` is False) the login form
answers 429 without checking the password. Counting per name *and* address means that
someone guessing a colleague's password from elsewhere cannot lock the colleague out;
the per-address limit stops one address from trying many names.
"""

from __future__ import annotations

import hashlib
import logging
from typing import List, Sequence, Tuple

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

Limit = Tuple[RateLimitItem, Tuple[str, ...]]


class LoginThrottle:
    def __init__(self, per_user: str, per_address: str, redis_url: str = "", prefix: str = "consola") -> None:
        self.per_user = parse_many(per_user)
        self.per_address = parse_many(per_address)
        self.prefix = prefix
        self.redis_url = redis_url
        # limits keeps weak references to its storage: this object holds the strong ones.
        self._memory: Storage = MemoryStorage()
        self._memory_limiter = MovingWindowRateLimiter(self._memory)
        self._shared: Storage | None = None
        self._shared_limiter: MovingWindowRateLimiter | None = None
        if redis_url:
            self._shared = storage_from_string(redis_url, socket_connect_timeout=2, socket_timeout=2)
            self._shared_limiter = MovingWindowRateLimiter(self._shared)
        self._degraded = False

    @staticmethod
    def _name(username: str) -> str:
        """The user name as a key: hashed, so that no name typed at the form is stored as typed."""
        return hashlib.sha256((username or "").strip().lower().encode("utf-8", "replace")).hexdigest()[:32]

    def _limits(self, username: str, address: str, user_only: bool = False) -> List[Limit]:
        user = [(item, (self.prefix, "login", "usuario", self._name(username), address)) for item in self.per_user]
        if user_only:
            return user
        return user + [(item, (self.prefix, "login", "direccion", address)) for item in self.per_address]

    def _run(self, operation: str, limits: Sequence[Limit]) -> bool:
        """Apply `operation` (test, hit, clear) to each limit, in Redis or, if it fails, in memory."""
        if self._shared_limiter is not None:
            try:
                result = all([_apply(self._shared_limiter, operation, item, ids) for item, ids in limits])
                if self._degraded:
                    self._degraded = False
                    logger.warning("Redis answers again at %s: failed logins are shared again", self.redis_url)
                return result
            except (RedisError, OSError) as error:
                if not self._degraded:
                    self._degraded = True
                    logger.error(
                        "Redis does not answer (%s): failed logins are counted in this process only until it does",
                        error,
                    )
        return all([_apply(self._memory_limiter, operation, item, ids) for item, ids in limits])

    def allowed(self, username: str, address: str) -> bool:
        """Whether this name may try to log in from this address now."""
        return self._run("test", self._limits(username, address))

    def failed(self, username: str, address: str) -> None:
        """Count a failed login."""
        self._run("hit", self._limits(username, address))

    def succeeded(self, username: str, address: str) -> None:
        """Forget this name's failures from this address (the address's own count stays)."""
        self._run("clear", self._limits(username, address, user_only=True))


def _apply(limiter: MovingWindowRateLimiter, operation: str, item: RateLimitItem, ids: Tuple[str, ...]) -> bool:
    if operation == "test":
        return limiter.test(item, *ids)
    if operation == "hit":
        return limiter.hit(item, *ids)
    limiter.clear(item, *ids)
    return True


def init_app(app: Flask, throttle: LoginThrottle) -> None:
    app.extensions["console_throttle"] = throttle


def get_throttle() -> LoginThrottle:
    return current_app.extensions["console_throttle"]

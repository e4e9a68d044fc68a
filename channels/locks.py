"""One asyncio lock per key, for work that must not overlap for the same key.

The WhatsApp channel answers a conversation's messages one at a time, in the order they
arrived, while different conversations are answered at once. A lock exists only while
someone holds it or waits for it, so the table does not grow with every conversation.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import asynccontextmanager
from typing import AsyncIterator, Dict


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: Dict[str, asyncio.Lock] = {}
        self._users: Counter = Counter()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Hold the lock of `key` (waiting, in arrival order, while someone else holds it)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                self._locks.pop(key, None)

    def __len__(self) -> int:
        """How many keys have a lock now (held or waited for)."""
        return len(self._locks)

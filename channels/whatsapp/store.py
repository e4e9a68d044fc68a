"""What the WhatsApp channel remembers between requests and across restarts (SQLAlchemy).

  whatsapp_messages  one row per WhatsApp message id seen (as a SHA-256 digest: a
                     "wamid" encodes the sender's number). Inserting the row is the
                     claim: the primary key lets exactly one of several concurrent or
                     repeated deliveries through, on SQLite as on PostgreSQL. While the
                     message is being answered the row keeps what is needed to answer it
                     (so a restart in between does not lose it); once answered only the
                     digest stays, until it expires (Meta redelivers for up to 7 days).
  whatsapp_menus     the options of the last numbered menu sent to a conversation, so
                     that "3" can be read as the third option. Keyed by the pseudonymous
                     conversation id.

The tables live in the tracker store's database unless WHATSAPP_DB_URL says otherwise.
Times are naive UTC. Everything here is synchronous; the channel calls it in a thread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
from typing import List, Optional, Tuple

from sqlalchemy import Column, DateTime, String, Text, create_engine, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, declarative_base

import settings

logger = logging.getLogger(__name__)

Base = declarative_base()

SEEN_TTL = dt.timedelta(days=7)
MENU_TTL = dt.timedelta(hours=24)
PENDING = "pending"
DONE = "done"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def message_key(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8")).hexdigest()


def default_db_url() -> str:
    """WHATSAPP_DB_URL, else the tracker store's TRACKER_STORE_URL, else SQLite under var/."""
    return os.environ.get("WHATSAPP_DB_URL") or settings.tracker_store_url()


class SeenMessage(Base):
    __tablename__ = "whatsapp_messages"

    key = Column(String(64), primary_key=True)
    state = Column(String(10), nullable=False)
    payload = Column(Text)
    claimed_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)


class Menu(Base):
    __tablename__ = "whatsapp_menus"

    conversation_id = Column(String(64), primary_key=True)
    options = Column(Text, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)


def create_tables(engine: Engine, attempts: int = 3) -> None:
    """Create the tables if missing. Another process (a second instance, a test) may be
    creating them at the same moment: its CREATE then wins and ours is retried."""
    for attempt in range(1, attempts + 1):
        try:
            Base.metadata.create_all(engine)
            return
        except DBAPIError:
            if attempt == attempts:
                raise


class WhatsAppStore:
    def __init__(self, url: str, seen_ttl: dt.timedelta = SEEN_TTL, menu_ttl: dt.timedelta = MENU_TTL) -> None:
        self.url = url
        self.seen_ttl = seen_ttl
        self.menu_ttl = menu_ttl
        self._engine: Optional[Engine] = None
        self._engine_lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """Created (with the tables) on first use, so an unreachable database at start-up
        does not stop the server; the webhook answers 500 until it is back."""
        with self._engine_lock:
            if self._engine is None:
                engine = create_engine(self.url, future=True, pool_pre_ping=True)
                try:
                    create_tables(engine)
                except Exception:
                    engine.dispose()
                    raise
                self._engine = engine
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # --- message ids ------------------------------------------------------------------

    def claim(self, key: str, payload: str) -> bool:
        """Record `key` as being answered; False if it was seen before (a redelivery)."""
        now = utcnow()
        try:
            with Session(self.engine) as session, session.begin():
                session.add(
                    SeenMessage(key=key, state=PENDING, payload=payload, claimed_at=now, expires_at=now + self.seen_ttl)
                )
        except IntegrityError:
            return False
        return True

    def complete(self, key: str) -> None:
        """The message was answered: forget its content, keep the digest until it expires."""
        with Session(self.engine) as session, session.begin():
            session.execute(update(SeenMessage).where(SeenMessage.key == key).values(state=DONE, payload=None))

    def state(self, key: str) -> Optional[str]:
        with Session(self.engine) as session:
            return session.scalar(select(SeenMessage.state).where(SeenMessage.key == key))

    def reclaim_stale(self, older_than: dt.timedelta, limit: int = 100) -> List[Tuple[str, str]]:
        """Take over messages claimed more than `older_than` ago and never answered (the
        process that claimed them stopped). Each is handed to exactly one caller."""
        now = utcnow()
        cutoff = now - older_than
        taken = []
        with Session(self.engine) as session:
            rows = session.execute(
                select(SeenMessage.key, SeenMessage.payload)
                .where(SeenMessage.state == PENDING, SeenMessage.claimed_at < cutoff)
                .order_by(SeenMessage.claimed_at)
                .limit(limit)
            ).all()
        for key, payload in rows:
            with Session(self.engine) as session, session.begin():
                result = session.execute(
                    update(SeenMessage)
                    .where(SeenMessage.key == key, SeenMessage.state == PENDING, SeenMessage.claimed_at < cutoff)
                    .values(claimed_at=now)
                )
            if result.rowcount == 1 and payload:
                taken.append((key, payload))
        return taken

    def purge_expired(self) -> int:
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            seen = session.execute(delete(SeenMessage).where(SeenMessage.expires_at < now)).rowcount
            session.execute(delete(Menu).where(Menu.expires_at < now))
        return seen or 0

    # --- numbered menus -----------------------------------------------------------------

    def save_menu(self, conversation_id: str, options: List[str]) -> None:
        with Session(self.engine) as session, session.begin():
            session.merge(
                Menu(
                    conversation_id=conversation_id,
                    options=json.dumps(options, ensure_ascii=False),
                    expires_at=utcnow() + self.menu_ttl,
                )
            )

    def pop_menu(self, conversation_id: str) -> Optional[List[str]]:
        """The options last offered to the conversation (and forget them): a menu answers
        only the message that follows it."""
        with Session(self.engine) as session, session.begin():
            menu = session.get(Menu, conversation_id)
            if menu is None:
                return None
            options, expired = menu.options, menu.expires_at < utcnow()
            session.delete(menu)
        return None if expired else json.loads(options)

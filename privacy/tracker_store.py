"""Rasa's SQL tracker store, storing (and streaming) events with personal data masked.

Configured in endpoints.yml by module path:

    tracker_store:
      type: privacy.tracker_store.RedactingSQLTrackerStore
      url: ${TRACKER_STORE_URL}

Rasa's NLU and the custom actions of the current turn run on the citizen's original
message; only what is written to the `events` table, and what an event broker
publishes, is masked (privacy.redaction). Earlier turns read back from the store are
therefore masked too, which the assistant does not need: it keeps intents, entities
(country names) and slots.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any, Generator, List, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from privacy.redaction import redact_event

logger = logging.getLogger(__name__)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose stored and streamed events have personal data masked."""

    def __init__(
        self, domain: Any = None, host: Optional[Text] = None, url: Optional[Text] = None, **kwargs: Any
    ) -> None:
        # Rasa passes the endpoint's `url` as `host`; SQLTrackerStore accepts a full
        # SQLAlchemy URL there (sqlite:///..., postgresql://...).
        super().__init__(domain=domain, host=host or url, **kwargs)

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Any, None, None]:
        """A session around one store operation, whose errors stay errors.

        Rasa's own session_scope takes *any* ValueError raised inside it for a missing
        PostgreSQL schema and calls sys.exit(1): a sender id containing U+0000 (which
        psycopg2 refuses with ValueError) would stop the whole server. Here the error
        propagates like any other store error, and the turn ends with the apology.
        """
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as error:
                raise RuntimeError(f"PostgreSQL schema {error} does not exist (POSTGRESQL_SCHEMA)") from error
            yield session
        finally:
            session.close()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events, masked (same logic as SQLTrackerStore.save)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = redact_event(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        logger.debug("Tracker %s stored with personal data masked", tracker.sender_id)

    async def _stream_new_events(self, event_broker: EventBroker, new_events: List[Event], sender_id: Text) -> None:
        for event in new_events:
            body = {"sender_id": sender_id}
            body.update(redact_event(event.as_dict()))
            event_broker.publish(body)


__all__ = ["RedactingSQLTrackerStore"]

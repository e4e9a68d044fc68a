"""The redacting tracker store: what reaches the database and the event broker is masked."""
import asyncio

from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config
from sqlalchemy import create_engine, text

from privacy.tracker_store import RedactingSQLTrackerStore
from tests.conftest import ROOT

SECRETS = ["45678912", "987 654 321", "987654321", "juan.perez@gmail.com", "4111 1111 1111 1111", "AB1234567"]
MESSAGE = ("estoy varado en Bolivia, DNI 45678912, cel +51 987 654 321 o 987654321, "
           "juan.perez@gmail.com, tarjeta 4111 1111 1111 1111, pasaporte AB1234567")


def tracker(sender: str) -> DialogueStateTracker:
    t = DialogueStateTracker(sender, slots=[])
    for event in [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered(MESSAGE, {"name": "report_stranded", "confidence": 0.93},
                    parse_data={"text": MESSAGE, "intent": {"name": "report_stranded", "confidence": 0.93},
                                "entities": []}, input_channel="rest"),
        ActionExecuted("action_stranded"),
        BotUttered("Comuníquese con el consulado.", metadata={"utter_action": None}),
        ActionExecuted("action_listen"),
    ]:
        t.update(event)
    return t


def all_text(url: str) -> str:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'" if url.startswith("sqlite")
            else "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"))]
        dump = [" | ".join(map(str, row)) for t in tables for row in conn.execute(text(f'SELECT * FROM "{t}"'))]
    engine.dispose()
    return "\n".join(dump)


def check_store(url: str, broker_url: str) -> None:
    broker = SQLEventBroker(dialect="sqlite", db=broker_url.replace("sqlite:///", ""))
    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=url, event_broker=broker)
    asyncio.run(store.save(tracker("ciudadano-1")))
    stored = all_text(url)
    assert "report_stranded" in stored and "estoy varado en Bolivia" in stored and "\\u00abDNI\\u00bb" in stored
    for secret in SECRETS:
        assert secret not in stored, secret
    streamed = all_text(broker_url)
    assert "estoy varado en Bolivia" in streamed
    for secret in SECRETS:
        assert secret not in streamed, secret
    restored = asyncio.run(store.retrieve("ciudadano-1"))
    assert restored.latest_message.intent["name"] == "report_stranded"
    assert "«teléfono»" in restored.latest_message.text


def test_sqlite_store_and_broker_keep_no_personal_data(tmp_path):
    check_store(f"sqlite:///{tmp_path / 'c.db'}", f"sqlite:///{tmp_path / 'broker.db'}")


def test_postgres_store_keeps_no_personal_data(postgres_url, tmp_path):
    check_store(postgres_url, f"sqlite:///{tmp_path / 'broker.db'}")


def test_endpoints_yml_configures_the_redacting_store(monkeypatch, tmp_path):
    from rasa.core.tracker_store import TrackerStore

    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:1/webhook")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    assert isinstance(config, EndpointConfig)
    store = TrackerStore.create(config, Domain.empty())
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, RedactingSQLTrackerStore)


def test_a_store_error_on_postgresql_is_an_error_not_an_exit(postgres_url):
    """psycopg2 refuses U+0000 with ValueError; Rasa's own session_scope then calls sys.exit(1)."""
    import pytest

    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=postgres_url)
    with pytest.raises(Exception) as error:
        asyncio.run(store.retrieve("ciudadano\x00"))
    assert not isinstance(error.value, SystemExit)
    # and the store keeps working for the next conversation
    asyncio.run(store.save(tracker("ciudadano-siguiente")))
    assert asyncio.run(store.retrieve("ciudadano-siguiente")) is not None

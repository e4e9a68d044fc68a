"""The production configuration against the real services of this machine.

deploy/endpoints.production.yml: conversations in PostgreSQL, one-message-at-a-time
locks in Redis, every event streamed to RabbitMQ; the facts store in PostgreSQL too.
"""
import asyncio
import json
import threading
import uuid

import pytest

import settings
from actions.loader import load_dir
from actions.store import FactStore
from scripts.serve import Servers, free_port
from tests.conftest import ARTIFACTS, MODEL, RABBITMQ_URL, REDIS_URL, Conversation, require_url
from tests.postgres import temporary_database

pytestmark = pytest.mark.e2e  # starts the real Rasa and action servers


@pytest.fixture(scope="module")
def production(postgres_admin_url):
    redis_server = require_url("Redis", REDIS_URL, 6379)
    rabbitmq = require_url("RabbitMQ", RABBITMQ_URL, 5672)
    with temporary_database(postgres_admin_url, "asistente_prod") as database_url:
        load_dir(FactStore(database_url), settings.DEFAULT_FACTS_DIR)
        suffix = uuid.uuid4().hex[:8]
        env = {
            "FACTS_DB_URL": database_url,
            "TRACKER_STORE_URL": database_url,
            "REDIS_HOST": redis_server.hostname or "127.0.0.1", "REDIS_PORT": str(redis_server.port or 6379),
            "REDIS_LOCK_DB": "1", "REDIS_PASSWORD": redis_server.password or "",
            "REDIS_LOCK_PREFIX": f"asistente{suffix}",
            "RABBITMQ_HOST": rabbitmq.hostname or "127.0.0.1", "RABBITMQ_PORT": str(rabbitmq.port or 5672),
            "RABBITMQ_USERNAME": rabbitmq.username or "guest", "RABBITMQ_PASSWORD": rabbitmq.password or "guest",
            "RABBITMQ_QUEUE": f"asistente_events_{suffix}",
        }
        servers = Servers(rasa_port=free_port(), action_port=free_port(), model=MODEL, env=env,
                          endpoints=settings.ROOT / "deploy" / "endpoints.production.yml", log_dir=ARTIFACTS / "logs-production")
        servers.start()
        try:
            yield servers, database_url
        finally:
            servers.stop()
            asyncio.run(_delete_queue(env["RABBITMQ_QUEUE"]))


async def _delete_queue(queue: str) -> None:
    import aio_pika

    connection = await aio_pika.connect_robust(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue)


async def _drain(queue: str) -> list:
    import aio_pika

    connection = await aio_pika.connect_robust(RABBITMQ_URL)
    events = []
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, durable=True, passive=True)
        while True:
            message = await declared.get(no_ack=True, fail=False, timeout=5)
            if message is None:
                return events
            events.append(json.loads(message.body))


def test_a_conversation_uses_postgresql_redis_and_rabbitmq(production):
    import redis
    from sqlalchemy import create_engine, text

    servers, database_url = production
    prefix = servers.env["REDIS_LOCK_PREFIX"]
    seen_commands = []
    monitor_client = redis.Redis.from_url(REDIS_URL)
    stop = threading.Event()

    def watch() -> None:
        with monitor_client.monitor() as monitor:
            for command in monitor.listen():
                if prefix in command["command"]:
                    seen_commands.append(command["command"])
                if stop.is_set():
                    return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    chat = Conversation(servers.rasa_url)
    answer = chat.reply_text("cuantos peruanos repatriaron de jamaica")
    stranded = chat.reply_text("estoy varado en bolivia, mi dni es 45678912 y mi correo ana.perez@gmail.com")
    stop.set()
    monitor_client.ping()  # wakes the monitor so that the thread ends
    watcher.join(timeout=10)

    # the answer came from the facts store in PostgreSQL
    assert "24 peruanos" in answer and "Fuente: Nota de Prensa 9-26" in answer
    # the conversation is in the PostgreSQL tracker store
    engine = create_engine(database_url, future=True)
    with engine.connect() as connection:
        kinds = connection.execute(
            text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"), {"s": chat.sender}
        ).scalars().all()
        stored = " ".join(connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s"), {"s": chat.sender}).scalars())
    engine.dispose()
    assert "user" in kinds and "bot" in kinds
    # Rasa took the conversation's lock in Redis
    assert any(chat.sender in command for command in seen_commands), seen_commands
    # and streamed its events to RabbitMQ
    streamed = asyncio.run(_drain(servers.env["RABBITMQ_QUEUE"]))
    mine = [e for e in streamed if e.get("sender_id") == chat.sender]
    assert any(e["event"] == "user" and e["text"] == "cuantos peruanos repatriaron de jamaica" for e in mine)
    assert any(e["event"] == "bot" and "24 peruanos" in (e.get("text") or "") for e in mine)
    # personal data is understood but neither stored nor streamed
    assert "72 peruanos" in stranded
    streamed_text = json.dumps(mine, ensure_ascii=False)
    assert "45678912" not in streamed_text and "ana.perez@gmail.com" not in streamed_text
    assert "45678912" not in stored and "ana.perez@gmail.com" not in stored


def test_a_hostile_sender_id_does_not_stop_the_server(production):
    """A sender with U+0000 once made Rasa's SQL tracker store call sys.exit(1) on PostgreSQL."""
    import requests

    servers, _ = production
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    refused = requests.post(url, json={"sender": "ciudadano\x00", "message": "hola"}, timeout=60)
    assert refused.status_code == 400 and "'sender'" in refused.json()["error"]
    assert all(process.poll() is None for process in servers.processes)
    answer = Conversation(servers.rasa_url).reply_text("cuantos peruanos repatriaron de jamaica")
    assert "24 peruanos" in answer

"""Sending to the Graph API stand-in: retries on 429/5xx only, the token never shown."""

import logging

import pytest

from channels.whatsapp.graph import GraphClient, SendError
from scripts.serve import free_port
from tests.graph_api import TEST_ACCESS_TOKEN, TEST_PHONE_NUMBER_ID
from tests.whatsapp_payloads import random_phone


def text_to(phone, body="¡Hola! ¿En qué puedo ayudarle?"):
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": phone,
        "type": "text",
        "text": {"preview_url": False, "body": body},
    }


@pytest.fixture
def client(graph_api):
    client = GraphClient(TEST_ACCESS_TOKEN, TEST_PHONE_NUMBER_ID, graph_api.base_url, backoff=0.05)
    yield client
    client.close()


def test_a_message_is_sent_with_the_bearer_token(graph_api, client):
    phone = random_phone()
    result = client.send(text_to(phone))
    [received] = graph_api.requests_to(phone)
    assert received.status == 200 and result.message_id.startswith("wamid.")
    assert received.authorization == f"Bearer {TEST_ACCESS_TOKEN}"
    assert received.path == f"/v25.0/{TEST_PHONE_NUMBER_ID}/messages"
    assert received.body["text"]["body"] == "¡Hola! ¿En qué puedo ayudarle?"


@pytest.mark.parametrize("failures", [(500,), (503, 502), (429,), (429, 500, 504)])
def test_busy_answers_are_retried_until_delivered(graph_api, client, failures):
    phone = random_phone()
    graph_api.fail_next(phone, *failures)
    client.send(text_to(phone))
    statuses = [r.status for r in graph_api.requests_to(phone)]
    assert statuses == list(failures) + [200]
    assert len({str(r.body) for r in graph_api.requests_to(phone)}) == 1  # the same message each time


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_other_client_errors_are_not_retried(graph_api, client, status):
    phone = random_phone()
    graph_api.fail_next(phone, status)
    with pytest.raises(SendError) as error:
        client.send(text_to(phone))
    assert error.value.status == status
    assert [r.status for r in graph_api.requests_to(phone)] == [status]


def test_retries_stop_after_three(graph_api, client):
    phone = random_phone()
    graph_api.fail_next(phone, 500, 500, 500, 500, 500)
    with pytest.raises(SendError) as error:
        client.send(text_to(phone))
    assert error.value.status == 500 and len(graph_api.requests_to(phone)) == 4


def test_a_message_meta_would_reject_is_reported(graph_api, client):
    with pytest.raises(SendError) as error:
        client.send(text_to(random_phone(), body="x" * 4097))
    assert error.value.status == 400 and "4096" in str(error.value)


def test_an_unreachable_api_is_an_error_not_a_crash():
    client = GraphClient(TEST_ACCESS_TOKEN, TEST_PHONE_NUMBER_ID, f"http://127.0.0.1:{free_port()}/v25.0", backoff=0.01)
    with pytest.raises(SendError) as error:
        client.send(text_to(random_phone()))
    assert error.value.status is None


def test_the_token_is_never_logged_nor_shown(graph_api, caplog):
    caplog.set_level(logging.DEBUG)
    client = GraphClient(TEST_ACCESS_TOKEN, TEST_PHONE_NUMBER_ID, graph_api.base_url, backoff=0.01)
    phone = random_phone()
    graph_api.fail_next(phone, 500, 400)
    with pytest.raises(SendError) as error:
        client.send(text_to(phone))
    unreachable = GraphClient(
        TEST_ACCESS_TOKEN, TEST_PHONE_NUMBER_ID, f"http://127.0.0.1:{free_port()}/v25.0", backoff=0.01
    )
    with pytest.raises(SendError) as unreachable_error:
        unreachable.send(text_to(phone))
    shown = [caplog.text, str(error.value), repr(error.value), str(unreachable_error.value), repr(client)]
    assert caplog.records  # urllib3 did log the retries
    assert not any(TEST_ACCESS_TOKEN in s for s in shown)

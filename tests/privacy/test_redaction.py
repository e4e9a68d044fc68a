"""The masking functions: Peruvian DNI, passports, phones with and without +51, e-mails, cards."""
import json

import pytest

from privacy.redaction import CARD, DNI, EMAIL, NUMBER, PASSPORT, PHONE, redact, redact_event


@pytest.mark.parametrize("text, secret, mark", [
    ("mi DNI es 45678912", "45678912", DNI),
    ("DNI 45678912-3 por favor", "45678912-3", DNI),
    ("dni: 45.678.912", "45.678.912", DNI),
    ("mi pasaporte es 120345678", "120345678", PASSPORT),
    ("pasaporte N° 5123456 vencido", "5123456", PASSPORT),
    ("nro de pasaporte: AB1234567", "AB1234567", PASSPORT),
    ("tengo el PE1234567 y no llega", "PE1234567", PASSPORT),
    ("llámeme al +51 987 654 321", "987 654 321", PHONE),
    ("mi whatsapp +51987654321", "+51987654321", PHONE),
    ("cel 987654321 gracias", "987654321", PHONE),
    ("cel 987-654-321", "987-654-321", PHONE),
    ("51987654321 es mi número", "51987654321", PHONE),
    ("0051 987 654 321", "987 654 321", PHONE),
    ("fijo (01) 204-2400", "204-2400", PHONE),
    ("en Madrid: +34 612 34 56 78", "612 34 56 78", PHONE),
    ("escriba a juan.perez@gmail.com", "juan.perez@gmail.com", EMAIL),
    ("MARIA_93+consulado@correo.gob.pe", "MARIA_93+consulado@correo.gob.pe", EMAIL),
    ("pagué con 4111 1111 1111 1111", "4111 1111 1111 1111", CARD),
    ("tarjeta 5500-0000-0000-0004", "5500-0000-0000-0004", CARD),
    ("visa 4111111111111111", "4111111111111111", CARD),
    ("carné de extranjería 0012345678", "0012345678", None),
])
def test_personal_data_is_masked(text, secret, mark):
    masked = redact(text)
    assert secret not in masked
    assert not any(ch.isdigit() for ch in masked.replace("01", "")), masked
    if mark:
        assert mark in masked


@pytest.mark.parametrize("text", [
    "¿Cuántos peruanos fueron repatriados desde Jamaica?",
    "cuanto es la multa por no votar en 2026",
    "el 18/01/2026 hubo una reunión, y 347 bienes volvieron",
    "¿qué pasó en la 63.ª Sesión Plenaria?",
    "estoy varado en Bolivia",
    "",
])
def test_ordinary_questions_are_left_alone(text):
    assert redact(text) == text


def test_masking_is_idempotent_and_handles_hostile_input():
    text = "DNI 45678912, +51 987 654 321, a@b.pe, 4111 1111 1111 1111, pasaporte AB1234567"
    once = redact(text)
    assert redact(once) == once
    assert redact("\x00\u202e" + "9" * 100000)[:2] == "\x00\u202e"  # huge input: one mark, no crash
    assert NUMBER in redact("9" * 100000) or CARD in redact("9" * 100000)


def test_a_serialised_user_event_keeps_names_and_masks_text():
    event = {
        "event": "user", "timestamp": 1.5, "text": "mi dni es 45678912",
        "input_channel": "whatsapp", "message_id": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        "metadata": {"model_id": "d75f4df815a34c04a1234567f29755ab", "from": "+51 987 654 321"},
        "parse_data": {"text": "mi dni es 45678912", "intent": {"name": "report_stranded", "confidence": 0.9},
                       "entities": [{"entity": "country", "value": "Bolivia", "start": 0, "end": 7}],
                       "intent_ranking": [{"name": "report_stranded", "confidence": 0.9}]},
    }
    masked = redact_event(event)
    dumped = json.dumps(masked)
    assert "45678912" not in dumped and "987 654 321" not in dumped
    assert masked["text"] == masked["parse_data"]["text"] == "mi dni es «DNI»"
    assert masked["message_id"] == event["message_id"] and masked["metadata"]["model_id"] == event["metadata"]["model_id"]
    assert masked["parse_data"]["intent"] == event["parse_data"]["intent"]
    assert masked["parse_data"]["entities"][0]["value"] == "Bolivia"
    assert event["text"] == "mi dni es 45678912"  # the original is not modified

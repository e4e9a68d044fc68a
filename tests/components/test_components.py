"""The custom NLU components, trained for real in a tiny Rasa model and loaded back."""

import asyncio
import textwrap

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.model_training import train_nlu
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.spelling import SpellingCorrector
from tests.conftest import ROOT

DATA = """
version: "3.1"
nlu:
- intent: ask_procedures
  examples: |
    - cuanto cuesta el pasaporte
    - requisitos para renovar el pasaporte
    - como saco mi pasaporte en el consulado
    - precio del pasaporte electronico
    - tramite de pasaporte desde el extranjero
    - cuanto demora el pasaporte
- intent: ask_repatriation
  examples: |
    - cuantos peruanos repatriaron de jamaica
    - repatriacion desde bolivia por los bloqueos
    - a cuantos compatriotas trajeron de vuelta
    - peruanos varados en jamaica regresaron
    - cuantos volvieron de bolivia
    - vuelos humanitarios de repatriacion
- intent: greet
  examples: |
    - hola
    - buenas tardes
    - buenos dias
    - hola que tal
    - saludos
    - buenas noches
"""

CONFIG = """
recipe: default.v1
language: es
assistant_id: test-components
pipeline:
  - name: WhitespaceTokenizer
  - name: components.spelling.SpellingCorrector
  - name: CountVectorsFeaturizer
    strip_accents: unicode
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 5
    strip_accents: unicode
  - name: components.sentence_encoder.UniversalSentenceEncoderFeaturizer
  - name: components.linear_intent_classifier.LinearIntentClassifier
  - name: components.unknown_words.UnknownWordsFallback
policies: []
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    directory = tmp_path_factory.mktemp("components")
    (directory / "nlu.yml").write_text(textwrap.dedent(DATA), encoding="utf-8")
    (directory / "config.yml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    model = train_nlu(
        str(directory / "config.yml"),
        str(directory / "nlu.yml"),
        str(directory / "out"),
        domain=str(ROOT / "domain.yml"),
    )
    return Agent.load(model)  # loaded back from disk: persistence is exercised too


def parse(agent, text):
    return asyncio.run(agent.parse_message(text))


def test_the_linear_classifier_recognises_new_phrasings(agent):
    result = parse(agent, "cuánto sale renovar mi PASAPORTE?")
    assert result["intent"]["name"] == "ask_procedures" and result["intent"]["confidence"] > 0.5
    ranking = [r["confidence"] for r in result["intent_ranking"]]
    assert ranking == sorted(ranking, reverse=True) and abs(sum(ranking) - 1) < 1e-6
    assert parse(agent, "y cuantos repatriados hubo de bolivia")["intent"]["name"] == "ask_repatriation"


@pytest.mark.parametrize("text", ["asdkjh qwpoeiru", "qwerty", "🙂🙂🙂", "12345678"])
def test_a_message_with_no_known_word_goes_to_the_fallback(agent, text):
    assert parse(agent, text)["intent"] == {"name": "nlu_fallback", "confidence": 1.0}


def test_one_known_word_is_enough(agent):
    assert parse(agent, "zxqw pasaporte")["intent"]["name"] == "ask_procedures"


@pytest.mark.parametrize("text, intent", [("holaaaaa", "greet"), ("PASAPORTEEEEE", "ask_procedures")])
def test_stretched_letters_are_not_taken_for_gibberish(agent, text, intent):
    assert parse(agent, text)["intent"]["name"] == intent


def test_a_dictionary_word_is_known_even_if_never_trained(agent):
    assert parse(agent, "mariposa")["intent"]["name"] != "nlu_fallback"


def test_the_sentence_encoder_adds_one_512_dimensional_vector():
    from components.sentence_encoder import UniversalSentenceEncoderFeaturizer

    featurizer = UniversalSentenceEncoderFeaturizer(
        {**UniversalSentenceEncoderFeaturizer.get_default_config(), "alias": "use"}, "use"
    )
    first, second, other = (
        Message(data={TEXT: t})
        for t in ["precio del pasaporte", "cuánto cuesta el pasaporte", "repatriados de jamaica"]
    )
    featurizer.process([first, second, other])
    vectors = [m.get_dense_features(TEXT)[1].features.reshape(-1) for m in (first, second, other)]
    assert all(v.shape == (512,) for v in vectors)
    assert np.dot(vectors[0], vectors[1]) > np.dot(vectors[0], vectors[2])  # paraphrases are closer


def test_spelling_corrects_unknown_words_onto_training_words_only():
    corrector = SpellingCorrector({}, None, None, known={"pasaporte", "repatriacion", "jamaica", "peruanos"})
    assert corrector._correct("pasaprote") == "pasaporte"
    assert corrector._correct("xq") == "xq"  # too short: shorthand stays
    assert corrector._correct("cancilleria") == "cancilleria"  # a Spanish word is left alone
    assert corrector._correct("peruano") == "peruano"  # ... even one letter away from a training word
    assert corrector._correct("zzzzzzzz") == "zzzzzzzz"  # nothing close: unchanged
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    message = Message(data={TEXT: "precio del pasaprote"})
    tokenizer.process([message])
    corrector.process([message])
    assert [t.text for t in message.get("text_tokens")] == ["precio", "del", "pasaporte"]
    assert message.get(TEXT) == "precio del pasaprote"  # what the tracker stores is untouched

# Asistente Consular: the two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
MODEL := models/asistente.tar.gz
# The website chat widget: rasa-webchat from the npm registry (web/package-lock.json).
WEB_BUNDLE := web/vendor/rasa-webchat.js
# Training inputs: a change to any of them retrains; facts do not (they are read at run time).
TRAIN_INPUTS := config.yml domain.yml $(wildcard components/*.py) \
	$(shell find data -name '*.yml' -not -path 'data/facts/*' 2>/dev/null)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run test install web browser facts train chat validate eval eval-conversations bench clean console console-user

help:
	@echo "make run    instala, prepara los hechos, entrena si hace falta e inicia el asistente y el chat web"
	@echo "make test   instala, entrena si hace falta y ejecuta todas las pruebas"
	@echo "make chat   conversa en la terminal con el asistente iniciado por make run"
	@echo "make facts  valida y carga data/facts/ en el almacén de hechos (FACTS_DB_URL)"
	@echo "make train  entrena el modelo si cambiaron los datos o la configuración"
	@echo "make eval   benchmark de NLU en el conjunto reservado (escribe docs/benchmarks/nlu.md)"
	@echo "make eval-conversations  conversaciones de ciudadanos comprobadas turno a turno (SPLIT=tuning|heldout, BASELINE=<ref>, ROUNDS=n)"
	@echo "make bench  mide arranque y latencia (REST, WhatsApp, chat web) y la consola con 100 000 conversaciones"
	@echo "make clean  borra el entorno virtual, los modelos y las bases de datos locales"
	@echo "make console       inicia la consola del personal (CONSOLE_PORT, por omisión 8050)"
	@echo "make console-user  crea un usuario de la consola: make console-user NOMBRE=ana ROL=admin"

install: $(INSTALLED) $(WEB_BUNDLE)

$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || { py=$$(scripts/find-python310) && $$py -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade "pip<25" "setuptools<71" wheel
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	@touch $@

# --- website chat widget -------------------------------------------------------------
web: $(WEB_BUNDLE)

$(WEB_BUNDLE): web/package.json web/package-lock.json scripts/build_web.py | $(INSTALLED)
	@command -v npm >/dev/null || { echo "Error: se necesitan Node.js y npm (apt-get install nodejs npm)" >&2; exit 1; }
	cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PY) scripts/build_web.py

# Debian's Chromium for the browser tests; does nothing when it is installed.
browser:
	@scripts/install-chromium

facts: $(INSTALLED)
	$(PY) -m actions.cli load --prune

$(MODEL): $(TRAIN_INPUTS) | $(INSTALLED)
	$(RASA) train --fixed-model-name asistente --out models
	@touch $@

train: $(MODEL)

run: $(INSTALLED) $(WEB_BUNDLE) facts $(MODEL)
	$(PY) scripts/serve.py

chat: $(INSTALLED)
	$(PY) scripts/chat.py

validate: $(INSTALLED)
	$(RASA) data validate  # one expected warning: utter_default is sent by actions (tests/test_data.py)

eval: $(INSTALLED)
	$(PY) -m benchmarks.nlu

# Conversation benchmark (docs/benchmarks/conversations.md). SPLIT=heldout is logged in the
# document; BASELINE=<git ref> also plays that commit in the same run; ROUNDS=n replays n times
# for steadier latencies.
SPLIT ?= tuning
eval-conversations: $(INSTALLED) $(MODEL)
	$(PY) -m benchmarks.conversations --split $(SPLIT) $(if $(BASELINE),--baseline $(BASELINE)) \
		$(if $(ROUNDS),--rounds $(ROUNDS)) $(CONVERSATIONS_ARGS)

bench: $(INSTALLED) $(WEB_BUNDLE) browser $(MODEL)
	$(PY) -m benchmarks.latency
	$(PY) -m benchmarks.whatsapp
	$(PY) -m benchmarks.web
	$(PY) -m benchmarks.console

test: $(INSTALLED) $(WEB_BUNDLE) browser $(MODEL)
	$(PY) -m pytest

clean:
	rm -rf $(VENV) models .rasa var results tests/artifacts .pytest_cache web/node_modules web/vendor

# --- Staff console (console/) -------------------------------------------------------
# Reads the tracker store (TRACKER_STORE_URL, or CONSOLE_DB_URL) and keeps its own tables there.
console: $(INSTALLED)
	@mkdir -p var
	$(PY) -m console serve

ROL ?= reviewer
console-user: $(INSTALLED)
	@test -n "$(NOMBRE)" || { echo "Uso: make console-user NOMBRE=ana [ROL=admin]"; exit 2; }
	@mkdir -p var
	$(PY) -m console user create "$(NOMBRE)" --role "$(ROL)"


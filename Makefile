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

.PHONY: help run test test-fast lint format install web browser facts train chat validate eval eval-conversations bench clean \
	console console-user

help:
	@echo "make run         install, load the facts, train if needed, start the assistant and the web chat"
	@echo "make test        install, train if needed and run every test (what CI runs, after make lint)"
	@echo "make test-fast   the tests without the browser, the running servers and the slow ones (inner loop)"
	@echo "make lint        ruff: lint and formatting check (pyproject.toml)"
	@echo "make format      ruff: format the code and apply the safe lint fixes"
	@echo "make chat        chat in the terminal with the assistant started by make run"
	@echo "make facts       validate data/facts/ and load it into the facts store (FACTS_DB_URL)"
	@echo "make train       train the model if the data or the configuration changed"
	@echo "make validate    rasa data validate"
	@echo "make eval        NLU benchmark on the held-out set (writes docs/benchmarks/nlu.md)"
	@echo "make eval-conversations  citizens' conversations checked turn by turn (SPLIT=tuning|heldout, BASELINE=<ref>, ROUNDS=n; writes docs/benchmarks/conversations.md)"
	@echo "make bench       serving benchmark: training, start-up, latency, WhatsApp, web chat, console (writes docs/benchmarks/serving.md)"
	@echo "make console     start the staff console (CONSOLE_PORT, 8050 by default)"
	@echo "make console-user NOMBRE=ana ROL=admin   create a staff user of the console"
	@echo "make clean       remove the virtual environment, the models and the local databases"
	@echo "make help        this list"

install: $(INSTALLED) $(WEB_BUNDLE)

$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || { py=$$(scripts/find-python310) && $$py -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade "pip<25" "setuptools<71" wheel
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	@touch $@

# --- website chat widget -------------------------------------------------------------
web: $(WEB_BUNDLE)

$(WEB_BUNDLE): web/package.json web/package-lock.json scripts/build_web.py | $(INSTALLED)
	@command -v npm >/dev/null || { echo "Error: Node.js and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }
	cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PY) -m scripts.build_web

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
	$(PY) -m scripts.serve

chat: $(INSTALLED)
	$(PY) -m scripts.chat

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

# Writes docs/benchmarks/serving.md (benchmarks/serving.py runs latency, whatsapp, web and console).
# BENCH_ARGS passes options to it (python -m benchmarks.serving --help).
bench: $(INSTALLED) $(WEB_BUNDLE) browser $(MODEL)
	$(PY) -m benchmarks.serving $(BENCH_ARGS)

# PYTEST_ARGS passes options to pytest, e.g. make test PYTEST_ARGS="tests/console -x".
test: $(INSTALLED) $(WEB_BUNDLE) browser $(MODEL)
	$(PY) -m pytest $(PYTEST_ARGS)

# The inner loop: no browser, no Rasa server, no training (pytest.ini's markers).
test-fast: $(INSTALLED) $(WEB_BUNDLE)
	$(PY) -m pytest -m "not slow and not e2e and not browser" $(PYTEST_ARGS)

# --- code style (pyproject.toml) -------------------------------------------------------
lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) models .rasa var results tests/artifacts .pytest_cache web/node_modules web/vendor

# --- Staff console (console/) -------------------------------------------------------
# Keeps its own tables in CONSOLE_DB_URL and reads conversations from CONSOLE_TRACKER_URL, both
# TRACKER_STORE_URL by default (docs/configuration.md); `python -m console prune` applies retention.
console: $(INSTALLED)
	@mkdir -p var
	$(PY) -m console serve

ROL ?= reviewer
console-user: $(INSTALLED)
	@test -n "$(NOMBRE)" || { echo "Usage: make console-user NOMBRE=ana [ROL=admin]"; exit 2; }
	@mkdir -p var
	$(PY) -m console user create "$(NOMBRE)" --role "$(ROL)"


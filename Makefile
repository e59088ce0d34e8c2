# The few commands the README cites. `make help` lists them.
SHELL := /bin/bash
PY := .venv/bin/python
RASA := .venv-rasa/bin/rasa
RASA_ARGS := --data nlu_data --config config.yml --domain domain
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help setup setup-dev run test lint validate train index eval eval-real bench bench-build mutation security-probe

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## install both Python environments (idempotent)
	scripts/setup.sh

setup-dev:  ## same, with the test tools
	scripts/setup.sh --dev

run: setup  ## install what is missing, train/index if needed, start the 3 servers on :8000
	$(PY) -m assistant serve

test: setup-dev  ## every check: lint, unit tests (SQLite + PostgreSQL), Rasa checks, end-to-end
	scripts/test.sh

lint:  ## ruff, mypy (strict), the import layers
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/lint-imports --no-cache
	.venv/bin/ruff format --check assistant knowledge_base actions support_tickets storage portal web_common tests nlu_components scripts

validate:  ## rasa data validate
	$(RASA) data validate $(RASA_ARGS)

train:  ## train the Rasa model if its inputs changed
	$(PY) -m assistant train

index:  ## rebuild the knowledge-base index if its content changed
	$(PY) -m knowledge_base build --if-stale

eval:  ## evaluate the running assistant on the shared dev set
	$(PY) -m assistant eval ../shared/eval/dev.jsonl --url http://127.0.0.1:8000

eval-real:  ## evaluate the running assistant on the held-out real users' questions
	$(PY) -m assistant eval eval/real_questions/test.jsonl --url http://127.0.0.1:8000

bench:  ## load test (1-50 users) and memory on a stack it starts on :8300 (model and index built)
	$(PY) -m assistant.bench --start-stack

bench-build:  ## training, start and index timings of BENCHMARKS.md (retrains from scratch)
	scripts/bench.sh

mutation:  ## mutation testing of the critical modules (cosmic-ray; scores in TESTING.md)
	$(PY) scripts/mutation.py

security-probe:  ## the figures of SECURITY.md (starts its own stack, about 6 min)
	.venv/bin/python scripts/security_probe.py

# Connector Studio: `make run` sets everything up and serves; `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# The first of python3.13, python3.12, python3 that is >= 3.12.
PYTHON := $(shell for p in python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: run worker serve test lint format bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "Connector Studio needs Python >= 3.12 (python3.13, python3.12 or python3); none was found." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# A local .env with a random SECRET_KEY and encryption key, made once.
.env: | $(VENV)/.installed
	@$(PY) scripts/make_env.py > .env
	@echo "Wrote .env (local settings, a new SECRET_KEY and STUDIO_ENCRYPTION_KEYS)."

run: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_local
	$(PY) manage.py run_studio 127.0.0.1:8000

# A task worker for suite runs (STUDIO_TASKS=rq: on any number of machines sharing REDIS_URL).
worker: $(VENV)/.installed
	$(PY) manage.py studio_worker

# Production: the environment comes from the server (README, "Running for a team"), not .env.
serve: $(VENV)/.installed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	$(PY) manage.py check --deploy
	exec $(VENV)/bin/gunicorn -c gunicorn.conf.py

# Two test processes per core: tests spend much of their time waiting on what they start
# (servers, a browser, processes), and a second process per core runs meanwhile. TEST_ARGS adds
# pytest arguments (CI's PostgreSQL leg: --database-tests-only,
# without tests/browser; README, "Tests"). Compiled modules, pytest's rewritten test modules
# among them, are kept between runs even where PYTHONDONTWRITEBYTECODE is set: each worker and
# every Django process a test starts would otherwise compile them again (5 s CPU per worker).
TEST_ARGS ?=
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc) )))
test: export PYTHONDONTWRITEBYTECODE =
test: $(VENV)/.installed .env
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(TEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Two commands on a fresh clone: `make run` and `make test`. Both create .venv
# with the machine's python3 (3.11+) and install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format worker beat periodic bench-ingest bench-search clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "Serving the community photo library on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	@echo "Mail (verification links, receipts) is written to var/mail/."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .

# A Celery worker for a configured broker (CELERY_BROKER_URL); the embedded
# default needs none because tasks run in-process.
worker: $(STAMP)
	$(BIN)/celery -A photolib worker --loglevel INFO

# Celery beat: sends the periodic jobs (photolib/periodic.py) to the workers. One per site.
beat: $(STAMP)
	@mkdir -p var
	$(BIN)/celery -A photolib beat --loglevel INFO --schedule var/celerybeat-schedule

# Every periodic job once, in this process: for cron on installs without beat.
periodic: $(STAMP)
	$(BIN)/python manage.py run_periodic

bench-ingest: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/ingest.py

bench-search: $(STAMP)
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info

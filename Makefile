# Two commands on a fresh clone: `make run` and `make test`. Both create .venv
# with the machine's python3 (3.11+) and install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test translations messages lint format worker beat periodic bench-ingest bench-search bench-load mutation clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The committed .po files compiled to .mo (pure Python: no GNU gettext needed).
translations: $(STAMP)
	$(BIN)/python manage.py compile_translations

# After changing a text: the German and French catalogs brought up to date (needs GNU
# gettext's xgettext and msgmerge); then translate every new or fuzzy entry.
messages: $(STAMP)
	$(BIN)/python manage.py update_translations

run: translations
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "Serving the community photo library on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	@echo "Mail (verification links, receipts) is written to var/mail/."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# PYTEST_WORKERS: pytest-xdist processes, each with its own test database, Celery queue,
# moto server and Chromium; auto is one per core (PYTEST_WORKERS=0 runs in this process).
PYTEST_WORKERS ?= auto
test: translations
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

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
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/search.py $(SEARCH_ARGS)

# A bounded load run on loopback against gunicorn with the production profile, a Celery
# worker and beat, Redis and moto's S3 (bench/load.py); LOAD_ARGS='--seconds 60 --clients 4'.
bench-load: $(STAMP)
	$(BIN)/python bench/load.py $(LOAD_ARGS)

# Mutation testing of the rights-cleared rule, the consent ledger and the rights
# metadata (bench/MUTATION.md), on SQLite with one worker. Mutants are chosen by
# module and function name, never by line; the files mutmut mutates and the tests it
# runs are in pyproject's [tool.mutmut]. Each run starts afresh; to run one module at
# a time, keep the earlier results: `make mutation MUTANTS='photolib.consent.ledger.*'
# MUTATION_KEEP=1`, then `.venv/bin/python bench/mutation_score.py GLOB...`. Not in CI.
MUTATION_STAMP := $(VENV)/.installed-mutation
MUTANTS ?= 'photolib.photos.models.x*PhotoQuerySet*cleared__mutmut_*' \
	'photolib.consent.selectors.x_withdrawn_after__mutmut_*' \
	'photolib.photos.models.x_release_needed__mutmut_*' \
	'photolib.photos.models.x__release_needed_q__mutmut_*' \
	'photolib.consent.models.*' 'photolib.consent.ledger.*' 'photolib.consent.evidence.*' \
	'photolib.consent.services.*' 'photolib.consent.receipts.*' \
	'photolib.catalog.rights.*'
MUTATION_TARGET ?= 90

$(MUTATION_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutation]'
	@touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	$(if $(MUTATION_KEEP),,rm -rf mutants)
	@start=$$(date +%s); \
	env -u DATABASE_URL -u CELERY_BROKER_URL -u PHOTOLIB_STORAGE \
		$(BIN)/mutmut run --max-children 1 $(MUTANTS) || exit $$?; \
	echo "mutmut ran for $$(( $$(date +%s) - start )) s"
	$(BIN)/python bench/mutation_score.py --fail-under $(MUTATION_TARGET) $(MUTANTS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info mutants

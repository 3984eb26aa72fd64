# Keiseikyo request portal. `make` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt | sha256sum | cut -c1-16)
UV_VERSION := 0.13.9
# Runtime libraries (WeasyPrint: Pango and HarfBuzz subsetting; python-magic: libmagic),
# poppler-utils for looking at PDFs, gettext for translations, chromium for browser tests
# (with a Japanese system font, so that their screenshots can be read).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libmagic1 poppler-utils gettext
TEST_SYSTEM_PACKAGES := chromium fonts-ipafont-gothic
DEMO_ENV := DJANGO_DEBUG=1

.DEFAULT_GOAL := help

#: help          list the targets
help:
	@grep -E '^#: ' $(MAKEFILE_LIST) | sed 's/^#: /  make /'

$(STAMP): requirements/dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements/dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

#: venv          create the virtualenv and install the locked dependencies (skipped when up to date)
venv: $(STAMP)

#: system-deps   install the Debian packages the portal needs (when root; otherwise list the missing ones)
system-deps:
	@scripts/system-deps.sh $(SYSTEM_PACKAGES)

system-deps-test:
	@scripts/system-deps.sh $(SYSTEM_PACKAGES) $(TEST_SYSTEM_PACKAGES)

#: run           set up, migrate, seed the demo and serve it on http://127.0.0.1:8000 (SQLite, eager tasks)
# The demo's mail goes to files in var/mail/, so the logins seed_demo prints stay on the screen.
run: venv system-deps
	@mkdir -p var/mail
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input -v 0
	$(DEMO_ENV) DSR_EMAIL_FILE_PATH=var/mail $(BIN)/python manage.py seed_demo
	@echo "Mail sent by the portal is written to var/mail/ ($$(ls var/mail | wc -l) files so far)."
	$(DEMO_ENV) DSR_EMAIL_FILE_PATH=var/mail $(BIN)/python manage.py runserver 127.0.0.1:8000

#: test          set up and run the whole suite (PostgreSQL/Redis/worker tests too when DATABASE_URL/REDIS_URL are set)
test: venv system-deps-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

#: lint          ruff check and format check, and the import rules (pyproject.toml [tool.importlinter])
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

#: fmt           apply ruff fixes and formatting
fmt: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

#: typecheck     mypy with django-stubs over requests_portal and keiseikyo (configuration in pyproject.toml)
typecheck: venv
	$(BIN)/mypy

#: check         lint, type check, Django checks, migrations check and tests (what CI runs)
check: lint typecheck test
	$(DEMO_ENV) $(BIN)/python manage.py check
	$(DEMO_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

#: migrate       apply migrations to the configured database
migrate: venv
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate

#: worker        start a Celery worker against REDIS_URL
# With the demo's settings, as `make run`: the same keys, database and mail folder as its web.
worker: venv
	@test -n "$$REDIS_URL" || (echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0)"; exit 1)
	@mkdir -p var/mail
	$(DEMO_ENV) DSR_EMAIL_FILE_PATH=var/mail $(BIN)/celery -A keiseikyo worker -Q default,mail,letters -l INFO

#: beat          start Celery beat (one instance only) against REDIS_URL
beat: venv
	@test -n "$$REDIS_URL" || (echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0)"; exit 1)
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/celery -A keiseikyo beat -l INFO --schedule var/celerybeat-schedule

#: letters-preview render one sample PDF and PNG per notice kind into var/letters-preview/ to look at
letters-preview: venv
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py letters_preview --out var/letters-preview

#: messages      extract and compile translations (locale/en)
messages: venv
	$(DEMO_ENV) $(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=tests --no-obsolete
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages -l en --ignore=.venv

#: lock          re-resolve requirements/*.txt from pyproject.toml (hashes included)
lock: venv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements/base.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements/dev.txt

#: up / down     start or stop the production-like stack (docker compose)
up:
	docker compose up --build -d
down:
	docker compose down

.PHONY: help venv system-deps system-deps-test run test lint fmt typecheck check migrate worker beat letters-preview messages lock up down

# Tandem: `make run` to try it, `make test` before you push. See README.md.
# The Python that creates .venv: PY=python3.12 to choose. By default the operating system's own
# python3 when it is 3.11 or newer and can make a virtualenv, else python3 on the PATH: the
# distributions build theirs with profile-guided optimisation, and Tandem's pages take about a
# quarter less CPU on it than on a version manager's plain build (decision 0046).
SYSTEM_PY := $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo /usr/bin/python3)
PY ?= $(or $(SYSTEM_PY),python3)
# Where `make run` serves: `PORT=8080 make run`, `ADDR=0.0.0.0 make run` (your network can reach it).
ADDR ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
TANDEM := $(BIN)/tandem
APPS := $(patsubst %/apps.py,%,$(wildcard tandem/*/apps.py))

.PHONY: run serve demo-over install install-dev test lint typecheck migrations-check pytest messages compile-messages bench clean help

help:
	@echo "make run     install, migrate, seed the demo company, serve http://$(ADDR):$(PORT) (PORT=, ADDR= to change)"
	@echo "make demo-over  delete the embedded database and start again with a fresh demo company"
	@echo "make test    lint, type check, migrations check and the whole suite"
	@echo "make messages  extract new strings into each app's zh_Hans catalogue (needs gettext)"
	@echo "make bench   benchmarks (see bench/README.md)"

$(VENV)/.python-ok:
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tandem needs Python 3.11 or newer; set PY=python3.x")'
	@echo "Creating the virtualenv in $(VENV)/ with $$($(PY) -c 'import os, platform, sys; print("Python", platform.python_version(), os.path.realpath(sys.executable))') ..."
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.python-ok pyproject.toml requirements.lock
	@echo "Installing Tandem and its pinned dependencies (about two minutes the first time) ..."
	$(BIN)/pip install --progress-bar on -c requirements.lock -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	@echo "Installing the development tools (ruff, mypy, pytest, Playwright) ..."
	$(BIN)/pip install --progress-bar on -c requirements.lock -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

compile-messages: install
	$(TANDEM) i18n-compile

run: install compile-messages
	@echo "Preparing the database and the static files ..."
	$(TANDEM) migrate --noinput -v0
	$(TANDEM) collectstatic --noinput -v0
	$(TANDEM) seed-demo --if-empty
	$(TANDEM) serve --addr $(ADDR) --port $(PORT)

# Start over: the embedded database goes (uploads and exports too), the demo company comes back.
# Only the embedded SQLite database; with DATABASE_URL set it refuses, so nothing real is dropped.
demo-over:
	@if [ -n "$$DATABASE_URL" ]; then echo "DATABASE_URL is set: demo-over only resets the embedded SQLite database in var/."; exit 1; fi
	rm -f "$${TANDEM_VAR_DIR:-var}"/tandem.sqlite3 "$${TANDEM_VAR_DIR:-var}"/tandem.sqlite3-wal "$${TANDEM_VAR_DIR:-var}"/tandem.sqlite3-shm
	rm -rf "$${TANDEM_VAR_DIR:-var}"/media
	$(MAKE) run

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy config tandem bench

migrations-check: install-dev
	$(TANDEM) makemigrations --check --dry-run

pytest: install-dev compile-messages
	$(BIN)/pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

test: lint typecheck migrations-check pytest

messages: install-dev
	@for app in $(APPS); do mkdir -p $$app/locale; (cd $$app && ../../$(TANDEM) makemessages -l zh_Hans --no-obsolete --no-location -v0); done
	@echo "Now translate the new entries in tandem/*/locale/zh_Hans/LC_MESSAGES/django.po"

bench: install-dev
	@test -n "$$DATABASE_URL" || { echo "make bench needs DATABASE_URL pointing at a PostgreSQL database of its own (see bench/README.md)"; exit 2; }
	$(TANDEM) migrate -v0
	$(TANDEM) collectstatic --noinput -v0
	$(TANDEM) bench-data --if-empty
	$(TANDEM) bench --runs 30

clean:
	rm -rf $(VENV) var/staticfiles
